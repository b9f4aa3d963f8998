/**
 * A failure whose message is written for the user and shown as it is (one line, no stack):
 * a missing model, an unknown photo, a folder that does not exist. Anything else is a bug.
 */
export class UserError extends Error {}

/** A request that does not match the contract: an unknown method or malformed arguments. */
export class ApiValidationError extends Error {}
