-- Console sessions (issue 12, docs/console.md): a tenant token exchanged at POST /console/session
-- for an HttpOnly cookie. Only the SHA-256 of the session id is stored; `token_id` ties the
-- session to the token it came from, so revoking that token ends the session (src/console/sessions.ts
-- reads the session joined to its token row on every request). `csrf` is the value mutating
-- requests made with the cookie must echo in X-CSRF-Token.
-- Written by hand, not by drizzle-kit: the table is not in src/db/schema.ts (src/console/sessions.ts owns it).
CREATE TABLE `console_sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`token_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`csrf` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `console_sessions_token_idx` ON `console_sessions` (`token_id`);
