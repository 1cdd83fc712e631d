-- Service domains claimed atomically across all tenants (issue 11, src/db/domains.ts): the
-- primary key is the lock, so two service creations naming one domain cannot both pass, and the
-- front door finds a Host's group with one lookup. A claim is deleted when its service group is
-- deleted. Written by hand, not by drizzle-kit: the table is not in src/db/schema.ts.
CREATE TABLE `service_domains` (
	`domain` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`group_name` text NOT NULL,
	`claimed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `service_domains_group_idx` ON `service_domains` (`tenant_id`, `group_name`);
