export { ensureDevPki, type DevPki, type PeerFiles } from './dev-pki.js';
