// IP address text forms, validated once for every place that accepts an address (provider
// callbacks' publicIps/privateIps). Pure: no Workers APIs.
//
// IPv4: the dotted quad only — four decimal octets 0–255, no leading zeros (`010` would be octal
// to some parsers and decimal to others, so it is refused rather than guessed), no shorthand
// (`1.2.3`, `127.1`), no hex.
// IPv6: every text form of RFC 4291 §2.2 — eight groups of 1–4 hex digits, one `::` standing for
// one or more zero groups, and the last 32 bits as an embedded dotted quad (`::ffff:1.2.3.4`).
// Zone ids (`fe80::1%eth0`) are refused: they name an interface of one host, not an address.

const OCTET_RE = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;
const GROUP_RE = /^[0-9A-Fa-f]{1,4}$/;
/** The longest IPv6 text form: `ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255`. */
const MAX_IPV6_LENGTH = 45;

export function isIPv4(s: string): boolean {
  const parts = s.split(".");
  return parts.length === 4 && parts.every((p) => OCTET_RE.test(p));
}

const groupsOf = (s: string) => (s === "" ? [] : s.split(":"));

export function isIPv6(s: string): boolean {
  if (s.length < 2 || s.length > MAX_IPV6_LENGTH) return false;
  const lastColon = s.lastIndexOf(":");
  if (lastColon < 0) return false;
  let head = s;
  let groups = 8;
  if (s.slice(lastColon + 1).includes(".")) {
    // Embedded IPv4: it takes the place of the last two groups.
    if (!isIPv4(s.slice(lastColon + 1))) return false;
    groups = 6;
    head = s.slice(0, lastColon + 1);
    if (!head.endsWith("::")) head = head.slice(0, -1);
  }
  const halves = head.split("::");
  if (halves.length > 2) return false;
  if (halves.length === 2) {
    const left = groupsOf(halves[0]);
    const right = groupsOf(halves[1]);
    // `::` stands for at least one zero group.
    return [...left, ...right].every((g) => GROUP_RE.test(g)) && left.length + right.length <= groups - 1;
  }
  const all = groupsOf(head);
  return all.length === groups && all.every((g) => GROUP_RE.test(g));
}

/** 4 or 6 for a valid address text, null for anything else. */
export function ipVersion(s: string): 4 | 6 | null {
  if (isIPv4(s)) return 4;
  if (isIPv6(s)) return 6;
  return null;
}

export const isIpAddress = (s: string): boolean => ipVersion(s) !== null;
