/**
 * EOF is what recv() rejects with at a clean end of stream, as Go's io.EOF.
 * It is a single shared value: compare with isEOF().
 */
export const EOF: Error = Object.freeze(Object.assign(new Error('EOF'), { name: 'EOF' }));

/** isEOF tells whether recv() ended because the stream ended cleanly. */
export function isEOF(err: unknown): boolean {
  return err === EOF || (err instanceof Error && err.name === 'EOF' && err.message === 'EOF');
}
