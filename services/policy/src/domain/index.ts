export { PolicyEngine, type Decision, type Effect, type RequestFacts } from './policy-engine.js';
