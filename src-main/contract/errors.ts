/**
 * A failure whose message is written for the user and shown as it is (one line, no stack):
 * a missing model, an unknown photo, a folder that does not exist. Anything else is a bug.
 */
export class UserError extends Error {}
