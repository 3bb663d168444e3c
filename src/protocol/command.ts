import type { TagRef, WbxmlElement } from '../wbxml/index.js';
import type { CommandContext } from './context.js';
import type { ProtocolVersion } from './version.js';

/** A response that is not WBXML (MS-ASCMD 2.2.1.7 GetAttachment answers with the file itself). */
export interface RawBody {
  readonly contentType: string;
  readonly body: Uint8Array;
}

export type CommandOutput = WbxmlElement | RawBody | undefined;

export function isRawBody(out: CommandOutput): out is RawBody {
  return out !== undefined && 'body' in out && out.body instanceof Uint8Array;
}

/** One EAS command: parse (pure) → handle (all I/O) → render (pure). */
export interface Command<Req, Res> {
  parse(input: WbxmlElement | undefined, ctx: CommandContext): Req;
  handle(req: Req, ctx: CommandContext): Promise<Res>;
  render(res: Res, ctx: CommandContext): CommandOutput;
}

/** How a command's request body arrives. */
export type BodyKind = 'wbxml' | 'optional-wbxml' | 'wbxml-or-mime' | 'none';

/** A registry row: everything dispatch needs to know about a command. */
export interface CommandSpec {
  readonly name: string;
  readonly run: (input: WbxmlElement | undefined, ctx: CommandContext) => Promise<CommandOutput>;
  readonly body: BodyKind;
  readonly minVersion?: ProtocolVersion;
  /** Whether the device must hold a current policy key (MS-ASPROV 3.2.5.1). */
  readonly needsProvisioning: boolean;
  /** Top-level element and its Status child, for answering with a common status code. */
  readonly root: TagRef;
  readonly statusTag: TagRef;
}

export function defineCommand<Req, Res>(
  spec: Omit<CommandSpec, 'run'> & { command: Command<Req, Res> },
): CommandSpec {
  const { command, ...rest } = spec;
  return {
    ...rest,
    run: async (input, ctx) => command.render(await command.handle(command.parse(input, ctx), ctx), ctx),
  };
}
