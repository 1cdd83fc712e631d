// Step scaling policies: validation, the decision engine and its explanation. Pure, no Workers APIs.
export * from "./policy";
export * from "./validate";
export * from "./evaluate";
export * from "./explain";
