ALTER TABLE `operations` ADD `reason_code` text;--> statement-breakpoint
ALTER TABLE `operations` ADD `reason_message` text;