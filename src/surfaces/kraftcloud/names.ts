// Names and UUIDs of KraftCloud service groups and instances (docs/kraftcloud.md, "Names").
import { GROUP_NAME_RE } from "../groups";

/**
 * Names given through /v1 (service groups and instances): 1–63 lowercase letters, digits and '-',
 * starting and ending with a letter or digit — a DNS label, so a name can become a hostname. Every
 * such name also passes the shared GROUP_NAME_RE. Groups created through another dialect keep
 * their wider names (GROUP_NAME_RE) and can be named in /v1 bodies by them.
 */
export const KC_NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A name a /v1 request may create. */
export const isNewName = (name: string) => KC_NAME_RE.test(name) && GROUP_NAME_RE.test(name);

const ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

function randomAlnum(n: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return [...bytes].map((b) => ALNUM[b % ALNUM.length]).join("");
}

const pick = <T>(xs: readonly T[]) => xs[crypto.getRandomValues(new Uint32Array(1))[0] % xs.length];

const ADJECTIVES = ["amber", "brave", "calm", "daring", "eager", "fancy", "gentle", "happy", "icy", "jolly", "keen", "lucky", "mellow", "nimble", "proud", "quiet", "rapid", "sunny", "tidy", "vivid", "witty", "young", "zesty"] as const;
const ANIMALS = ["otter", "badger", "crane", "dolphin", "falcon", "gecko", "heron", "ibis", "jaguar", "koala", "lemur", "marten", "newt", "ocelot", "panda", "quail", "raven", "seal", "tapir", "urchin", "viper", "walrus", "yak", "zebra"] as const;

/** A service group name when none is given: `<word>-<word>-<8 random alphanumerics>`. */
export const generateServiceName = () => `${pick(ADJECTIVES)}-${pick(ANIMALS)}-${randomAlnum(8)}`;

/**
 * An instance name when none is given: `<app>-<5 random alphanumerics>`, `<app>` taken from the
 * image (`myapp` for `user/myapp:latest`), like KraftCloud.
 */
export function generateInstanceName(image: string): string {
  const last = image.split("/").pop() ?? "";
  const app = last
    .replace(/[@:].*$/, "")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 57)
    .replace(/-+$/, "");
  return `${app || "instance"}-${randomAlnum(5)}`;
}
