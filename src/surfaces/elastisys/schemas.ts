// Request bodies of the elastisys cloud pool API 2.0 (and the pool-management extension).
import { z } from "zod";
import { MAX_GROUP_SIZE, SERVICE_STATES, VICTIM_POLICIES } from "../../domain/model";
import { providerBody } from "../providers/schemas";

export const configBody = z.strictObject({
  provider: providerBody.optional(),
  victimSelectionPolicy: z.enum(VICTIM_POLICIES).optional(),
  instanceHourMarginSeconds: z.int().min(0).max(3599).optional(),
  updatePeriodSeconds: z.int().min(1).max(3600).optional(),
});

export const setSizeBody = z.strictObject({
  desiredSize: z.int().min(0).max(MAX_GROUP_SIZE),
});

export const decrementBody = z.strictObject({
  decrementDesiredSize: z.boolean(),
});

export const attachBody = z.strictObject({});

export const serviceStateBody = z.strictObject({
  serviceState: z.enum(SERVICE_STATES),
});

export const simulatorEventBody = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("machine.crashed"), machineId: z.string().min(1).max(128) }),
  z.strictObject({ type: z.literal("machine.rejected"), machineId: z.string().min(1).max(128) }),
  z.strictObject({ type: z.literal("machine.appeared") }),
]);

export const activitiesQuery = z.strictObject({
  limit: z.coerce.number().pipe(z.int().min(1).max(500)).optional(),
});
