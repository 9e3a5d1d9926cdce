// Starts the app. This is a file rather than trunk's inline loader so that the page's
// Content-Security-Policy can forbid inline script.
import init from './audit-viewer.js';

await init({ module_or_path: new URL('./audit-viewer_bg.wasm', import.meta.url) });
