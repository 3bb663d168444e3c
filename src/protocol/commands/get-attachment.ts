import { defineCommand, type Command, type RawBody } from '../command.js';
import { loadAttachment } from '../attachments.js';
import { CommonStatus, EasError, ProtocolError } from '../status.js';

// MS-ASCMD 2.2.1.7 GetAttachment (12.x; 14.0+ clients use ItemOperations): the AttachmentName
// query parameter is the FileReference, and the answer is the file itself with its content type.

const getAttachment: Command<string, RawBody> = {
  parse(_input, ctx) {
    const name = ctx.request.params.AttachmentName;
    if (name === undefined || name === '') throw new ProtocolError('GetAttachment without AttachmentName');
    return name;
  },

  async handle(fileReference, ctx) {
    const found = await loadAttachment(ctx, fileReference);
    // MS-ASCMD 2.2.1.7: an attachment that cannot be found is an HTTP 500 for 12.x clients.
    if (typeof found === 'string')
      throw new EasError(CommonStatus.ItemNotFound, `attachment ${fileReference}: ${found}`);
    return { contentType: found.contentType, body: found.content };
  },

  render(res) {
    return res;
  },
};

export const getAttachmentCommand = defineCommand({
  name: 'GetAttachment',
  command: getAttachment,
  body: 'none',
  needsProvisioning: true,
  root: 'ItemOperations:ItemOperations',
  statusTag: 'ItemOperations:Status',
});
