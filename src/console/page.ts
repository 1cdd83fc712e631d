// The console's one HTML page (GET /console). Everything else is drawn by /console/assets/app.js
// (console-ui/, bundled by scripts/console-assets.mjs): views are hash routes (#/groups,
// #/groups/<name>, #/actions, #/hooks, #/front-door), so a reload or a shared link opens the same view.
/** What the page knows of a signed-in session (so that it needs no request that would fail to find out). */
export interface PageSession {
  tenant: string;
  tokenId: string;
  csrf: string;
  expiresAt: string;
}

const attr = (v: string) => v.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * The page; with the request's live session, its tenant and CSRF value in a meta tag (the page is
 * answered with Cache-Control: no-store, and only to the cookie's own holder).
 */
export function consolePage(session: PageSession | null = null): string {
  const meta = session ? `\n<meta name="scalegate-session" content="${attr(JSON.stringify(session))}">` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Scalegate console</title>${meta}
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/assets/uPlot.min.css">
<link rel="stylesheet" href="/console/assets/app.css">
<script type="module" src="/console/assets/app.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <span class="brand">Scalegate</span>
  <nav aria-label="Views" id="nav" hidden>
    <a href="#/groups" data-view="groups">Groups</a>
    <a href="#/actions" data-view="actions">Actions</a>
    <a href="#/hooks" data-view="hooks">Hooks</a>
    <a href="#/front-door" data-view="front-door">Front door</a>
  </nav>
  <span class="who" id="who" aria-live="polite"></span>
  <span class="live" id="live" role="status" aria-live="polite"></span>
  <button type="button" id="signout" hidden>Sign out</button>
</header>
<main id="main" tabindex="-1">
  <noscript>The console needs JavaScript.</noscript>
</main>
</body>
</html>
`;
}
