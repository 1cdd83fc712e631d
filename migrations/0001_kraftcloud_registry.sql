CREATE TABLE `instances` (
	`uuid` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`group_name` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	`version` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `instances_tenant_name_idx` ON `instances` (`tenant_id`,`name`);--> statement-breakpoint
CREATE INDEX `instances_group_idx` ON `instances` (`tenant_id`,`group_name`);--> statement-breakpoint
ALTER TABLE `groups` ADD `uuid` text;--> statement-breakpoint
CREATE INDEX `groups_uuid_idx` ON `groups` (`tenant_id`,`uuid`);