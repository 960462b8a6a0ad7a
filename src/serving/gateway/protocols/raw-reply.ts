// An answer a protocol frames itself (the binary data extension's JSON header + tensor bytes):
// sent as these bytes with these headers, never serialized as JSON.
export class RawReply {
  constructor(
    readonly bytes: Buffer,
    readonly headers: Record<string, string>,
  ) {}
}
