import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findOnPath, MissingServerError, missingServerLine, serverAvailable } from './outside-server.js';

// A PATH of temporary directories stands in for a machine with and without etcd.
const root = mkdtempSync(join(tmpdir(), 'tsmicro-path-'));
const withEtcd = join(root, 'with');
const without = join(root, 'without');
const notExecutable = join(root, 'plain');
for (const dir of [withEtcd, without, notExecutable]) mkdirSync(dir);
writeFileSync(join(withEtcd, 'etcd'), '#!/bin/sh\n');
chmodSync(join(withEtcd, 'etcd'), 0o755);
writeFileSync(join(notExecutable, 'etcd'), 'not a program');
chmodSync(join(notExecutable, 'etcd'), 0o644);
mkdirSync(join(without, 'nats-server')); // a directory of that name is not the binary

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('findOnPath', () => {
  it('finds an executable file in any PATH entry', () => {
    expect(findOnPath('etcd', { PATH: [without, withEtcd].join(delimiter) })).toBe(join(withEtcd, 'etcd'));
  });

  it('ignores directories and files without the execute bit', () => {
    expect(findOnPath('etcd', { PATH: notExecutable })).toBeUndefined();
    expect(findOnPath('nats-server', { PATH: without })).toBeUndefined();
  });

  it('finds nothing with PATH unset or empty', () => {
    expect(findOnPath('etcd', {})).toBeUndefined();
    expect(findOnPath('etcd', { PATH: '' })).toBeUndefined();
  });
});

describe('serverAvailable', () => {
  it('is true when the binary is on PATH, with or without TSMICRO_REQUIRE_SERVERS', () => {
    expect(serverAvailable('etcd', { PATH: withEtcd })).toBe(true);
    expect(serverAvailable('etcd', { PATH: withEtcd, TSMICRO_REQUIRE_SERVERS: '1' })).toBe(true);
  });

  it('is false when the binary is missing, so its tests skip', () => {
    expect(serverAvailable('etcd', { PATH: without })).toBe(false);
    expect(serverAvailable('nats-server', { PATH: without, TSMICRO_REQUIRE_SERVERS: '0' })).toBe(false);
  });

  it('throws naming the server and its package under TSMICRO_REQUIRE_SERVERS=1', () => {
    const check = () => serverAvailable('nats-server', { PATH: without, TSMICRO_REQUIRE_SERVERS: '1' });
    expect(check).toThrow(MissingServerError);
    expect(check).toThrow('nats-server is not on PATH and TSMICRO_REQUIRE_SERVERS=1 (install: apt-get install nats-server)');
  });
});

describe('missingServerLine', () => {
  it('names the server, what is skipped and what to install', () => {
    expect(missingServerLine('etcd')).toBe('etcd not on PATH: etcd tests skipped (install: apt-get install etcd-server)');
    expect(missingServerLine('nats-server')).toBe(
      'nats-server not on PATH: NATS tests skipped (install: apt-get install nats-server)',
    );
  });
});
