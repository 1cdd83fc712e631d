CREATE TABLE `groups` (
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`provider_type` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	`version` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `name`)
);
--> statement-breakpoint
CREATE TABLE `operations` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`target_kind` text NOT NULL,
	`target_id` text NOT NULL,
	`dialect` text NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`idempotency_key` text,
	`action_id` text,
	`request` text,
	`result` text,
	`cause` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`completed_at` integer,
	`seq` integer NOT NULL,
	`version` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `operations_target_idx` ON `operations` (`tenant_id`,`target_kind`,`target_id`,`seq`);--> statement-breakpoint
CREATE INDEX `operations_action_idx` ON `operations` (`tenant_id`,`action_id`);--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE INDEX `tokens_tenant_idx` ON `tokens` (`tenant_id`);