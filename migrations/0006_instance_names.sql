-- Instance names claimed atomically per tenant (src/db/names.ts): the primary key is the lock. A
-- released claim stays as a tombstone (released_at) until the name is claimed again, so the
-- registry row of a just-deleted instance, still being pushed, does not block its name.
-- Written by hand, not by drizzle-kit: the table is not in src/db/schema.ts (src/db/names.ts owns it).
CREATE TABLE `instance_names` (
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`uuid` text NOT NULL,
	`group_name` text NOT NULL,
	`claimed_at` integer NOT NULL,
	`released_at` integer,
	PRIMARY KEY(`tenant_id`, `name`)
);
--> statement-breakpoint
CREATE INDEX `instance_names_uuid_idx` ON `instance_names` (`uuid`);
