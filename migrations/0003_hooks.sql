CREATE TABLE `hooks` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`group_name` text NOT NULL,
	`name` text NOT NULL,
	`format` text NOT NULL,
	`action` text NOT NULL,
	`resolved` text,
	`min_interval_seconds` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE INDEX `hooks_tenant_idx` ON `hooks` (`tenant_id`,`created_at`);