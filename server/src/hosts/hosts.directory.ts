import type { Executor } from '../db/database.js';
import type { HostRow } from '../db/schema.js';
import type { DockerHostDirectory, DockerHostInfo } from '../pods/runtime/docker-driver.js';
import { findHostById, findHostOfPod } from './hosts.store.js';

/** A host row as the docker driver connects to it. */
export function hostInfoOf(host: HostRow): DockerHostInfo {
  return {
    id: host.id,
    engine: host.engine,
    tls: host.tls ? (JSON.parse(host.tls) as DockerHostInfo['tls']) : null,
  };
}

/** The docker driver's view of the hosts table (wired at the composition root). */
export function databaseHostDirectory(db: Executor): DockerHostDirectory {
  return {
    async hostOfPod(podId) {
      const host = await findHostOfPod(db, podId);
      return host ? hostInfoOf(host) : undefined;
    },
    async host(hostId) {
      const host = await findHostById(db, hostId);
      return host ? hostInfoOf(host) : undefined;
    },
  };
}
