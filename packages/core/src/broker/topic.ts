import { BrokerError } from './broker-error.js';

// NATS subject syntax, which every broker follows so a topic means the same on
// each: dot-separated tokens without whitespace; subscribers may use "*" for
// one token and a final ">" for the rest.
const token = /^[^\s.*>]+$/;

// A service publishes to a handful of topics, each checked once.
const valid = new Set<string>();

/** checkTopic throws a BrokerError unless `topic` is a valid topic to publish on. */
export function checkTopic(topic: string): void {
  if (valid.has(topic)) return;
  if (typeof topic !== 'string' || !topic.split('.').every((t) => token.test(t))) {
    throw new BrokerError(`topic ${JSON.stringify(topic)} is not valid: expected dot-separated tokens without spaces or wildcards, e.g. "orders.created"`);
  }
  if (valid.size < 1024) valid.add(topic);
}

/** checkPattern throws a BrokerError unless `pattern` is a valid topic to subscribe to ("*" and a last ">" allowed). */
export function checkPattern(pattern: string): void {
  const tokens = typeof pattern === 'string' ? pattern.split('.') : [];
  const valid =
    tokens.length > 0 && tokens.every((t, i) => token.test(t) || t === '*' || (t === '>' && i === tokens.length - 1));
  if (!valid) {
    throw new BrokerError(
      `topic ${JSON.stringify(pattern)} is not valid to subscribe to: expected dot-separated tokens, "*" for one token or a last ">" for the rest`,
    );
  }
}

/** topicMatches tells whether `topic` falls under the subscription `pattern`. */
export function topicMatches(pattern: string, topic: string): boolean {
  if (pattern === topic) return true;
  const p = pattern.split('.');
  const t = topic.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return t.length > i;
    if (i >= t.length || (p[i] !== '*' && p[i] !== t[i])) return false;
  }
  return p.length === t.length;
}
