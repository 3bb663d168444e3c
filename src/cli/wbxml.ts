import { decodeWbxml, encodeWbxml, fromXml, toXml } from '../wbxml/index.js';
import { CliUsageError, readInput, type CliIo } from './io.js';

const USAGE =
  'usage: eas-gateway wbxml decode <file|->   (WBXML in, XML out)\n' +
  '       eas-gateway wbxml encode <file|->   (XML in, WBXML out)';

/** `eas-gateway wbxml decode|encode <file|->`: convert device traces between WBXML and XML. */
export async function wbxmlCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [action, file] = args;
  if (file === undefined || args.length !== 2) throw new CliUsageError(USAGE);
  const input = await readInput(file, io);
  if (action === 'decode') {
    io.stdout.write(toXml(decodeWbxml(input)));
    return 0;
  }
  if (action === 'encode') {
    io.stdout.write(encodeWbxml(fromXml(input.toString('utf8'))));
    return 0;
  }
  throw new CliUsageError(USAGE);
}
