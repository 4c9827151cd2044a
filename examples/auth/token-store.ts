import type { Caller } from './principal.js';

/**
 * TokenStore verifies bearer tokens. This one knows four fixed demo tokens;
 * a real service would check a signature or ask an identity provider, and
 * would be put in its place through the typedi container.
 */
export class TokenStore {
  private readonly tokens = new Map<string, Caller>([
    ['guest-token', { user: 'guest', roles: [] }],
    ['reader-token', { user: 'ann', roles: ['reader'] }],
    ['writer-token', { user: 'bob', roles: ['reader', 'writer'] }],
    ['admin-token', { user: 'root', roles: ['reader', 'writer', 'admin'] }],
  ]);

  /** verify returns the caller a token belongs to, or undefined for an unknown token. */
  verify(token: string): Caller | undefined {
    return this.tokens.get(token);
  }
}
