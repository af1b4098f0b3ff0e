/** Runtime definitions of the templates shipped in `server/templates/`. */
import { fileURLToPath } from 'node:url';
import type { TemplateRuntime } from './driver.js';

/** Container port the built-in hello-web template exposes. */
export const HELLO_WEB_PORT = 8080;

/**
 * `hello-web`: a tiny Node web app (HTML page, `/healthz`, `/headers`, WebSocket echo at `/ws`),
 * run with the same Node binary as Gantry (local), or in an image of it built locally (docker).
 */
export function helloWebTemplate(): TemplateRuntime {
  const script = fileURLToPath(new URL('../../../templates/hello-web/server.mjs', import.meta.url));
  return {
    id: 'hello-web',
    command: [process.execPath, script],
    ports: [HELLO_WEB_PORT],
    // Shown on its page: a variable to try env with.
    env: ['MESSAGE'],
    // Docker: an image of this machine's Node and the app, built locally (no registry).
    build: { node: true, files: { '/app/server.mjs': script } },
    containerCommand: ['/usr/local/bin/node', '/app/server.mjs'],
  };
}
