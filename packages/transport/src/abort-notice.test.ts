import { describe, expect, it } from 'vitest';
import { AbortNotice } from './abort-notice.js';
import { Code } from './status.js';
import { StatusError } from './status-error.js';

describe('AbortNotice', () => {
  it('tells its one listener once, with the object it was set with as this', () => {
    const notice = new AbortNotice();
    const heard: [unknown, StatusError][] = [];
    const self = { name: 'call' };
    notice.listen(function (this: typeof self, reason) {
      heard.push([this, reason]);
    }, self);
    const reason = new StatusError(Code.CANCELLED, 'gone');
    notice.abort(reason);
    notice.abort(new StatusError(Code.INTERNAL, 'again'));
    expect(heard).toEqual([[self, reason]]);
    expect(notice.reason).toBe(reason);
    expect(notice.signal.aborted).toBe(true);
    expect(notice.signal.reason).toBe(reason);
  });

  it('tells a listener set after the abort on a microtask, and none that was removed', async () => {
    const notice = new AbortNotice();
    const removed: unknown[] = [];
    notice.listen((r) => removed.push(r));
    notice.listen(undefined);
    const reason = new StatusError(Code.UNAVAILABLE, 'connection lost');
    notice.abort(reason);
    const heard: unknown[] = [];
    const self = { name: 'late' };
    notice.listen(function (this: typeof self, r) {
      heard.push(this, r);
    }, self);
    expect(heard).toEqual([]);
    await Promise.resolve();
    expect(heard).toEqual([self, reason]);
    expect(removed).toEqual([]);
  });
});
