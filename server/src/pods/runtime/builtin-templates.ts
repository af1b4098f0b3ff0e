/** Runtime definitions of the templates shipped in `server/templates/`. */
import { fileURLToPath } from 'node:url';
import type { TemplateRuntime } from './driver.js';

/** Container port the built-in hello-web template exposes. */
export const HELLO_WEB_PORT = 8080;

/**
 * `hello-web`: a tiny Node web app (HTML page, `/healthz`, `/headers`, WebSocket echo at `/ws`),
 * run with the same Node binary as Gantry.
 */
export function helloWebTemplate(): TemplateRuntime {
  return {
    id: 'hello-web',
    command: [
      process.execPath,
      fileURLToPath(new URL('../../../templates/hello-web/server.mjs', import.meta.url)),
    ],
    ports: [HELLO_WEB_PORT],
    // Shown on its page: a variable to try env with.
    env: ['MESSAGE'],
  };
}
