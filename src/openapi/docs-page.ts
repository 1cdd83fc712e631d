// The HTML of GET /docs: Swagger UI (same-origin script and stylesheet, see ./index.ts) with a
// selector of the four documents. Nothing is loaded from another origin: no fonts, no validator
// badge (validatorUrl: null).

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function docsPage(names: readonly string[]): string {
  const urls = names.map((n) => ({ url: `/openapi/${n}.json`, name: n }));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Scalegate API reference</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
<noscript>The reference needs JavaScript. The documents themselves: ${urls.map((u) => `<a href="${esc(u.url)}">${esc(u.name)}</a>`).join(", ")}.</noscript>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script>
window.ui = SwaggerUIBundle({
  urls: ${JSON.stringify(urls)},
  "urls.primaryName": ${JSON.stringify(names[0])},
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  plugins: [SwaggerUIBundle.plugins.DownloadUrl],
  layout: "StandaloneLayout",
});
</script>
</body>
</html>
`;
}
