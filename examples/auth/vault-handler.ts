import { BidiStream, ClientStream, Code, Context, Endpoint, MicroError, ServerStream, Service, UseInterceptors } from '@tsmicro/core';
// Loading the generated module registers vault.Vault's definition; the named imports are types only.
import './gen/vault.js';
import type {
  Principal,
  PurgeReply,
  PurgeRequest,
  ReadNotesRequest,
  Vault_ReadNotesStream,
  Vault_SyncStream,
  Vault_WriteNotesStream,
  VaultHandler,
  WhoAmIRequest,
  WriteSummary,
} from './gen/vault.js';
// A value import: typedi injects it.
import { NoteStore } from './note-store.js';
import { type Caller, callerKey } from './principal.js';
import { requireRole } from './require-role.js';

/**
 * Vault serves per-user notes. BearerAuth (a service-level interceptor) has
 * verified the caller before any method runs; each method adds the role it
 * needs with @UseInterceptors, and reads the caller from ctx.values.
 */
@Service('vault.Vault')
export class Vault implements VaultHandler {
  constructor(private readonly notes: NoteStore) {}

  @Endpoint()
  async whoAmI(ctx: Context, _req: WhoAmIRequest): Promise<Principal> {
    const caller = callerOf(ctx);
    return { user: caller.user, roles: [...caller.roles] };
  }

  @ServerStream()
  @UseInterceptors(requireRole('reader'))
  async readNotes(ctx: Context, _req: ReadNotesRequest, stream: Vault_ReadNotesStream): Promise<void> {
    for (const note of this.notes.of(callerOf(ctx).user)) await stream.send(note);
  }

  @ClientStream()
  @UseInterceptors(requireRole('writer'))
  async writeNotes(ctx: Context, stream: Vault_WriteNotesStream): Promise<WriteSummary> {
    const { user } = callerOf(ctx);
    let stored = 0;
    for await (const note of stream) {
      this.notes.add(user, note.text ?? '');
      stored++;
    }
    return { stored };
  }

  @BidiStream()
  @UseInterceptors(requireRole('writer'))
  async sync(ctx: Context, stream: Vault_SyncStream): Promise<void> {
    const { user } = callerOf(ctx);
    for await (const note of stream) await stream.send(this.notes.add(user, note.text ?? ''));
  }

  @Endpoint()
  @UseInterceptors(requireRole('admin'))
  async purge(_ctx: Context, _req: PurgeRequest): Promise<PurgeReply> {
    return { deleted: this.notes.clear() };
  }
}

// The caller BearerAuth put in the context; a service served without it is misconfigured.
function callerOf(ctx: Context): Caller {
  const caller = ctx.values.get(callerKey);
  if (!caller) throw new MicroError(Code.INTERNAL, 'no authenticated caller: serve Vault with the BearerAuth interceptor');
  return caller;
}
