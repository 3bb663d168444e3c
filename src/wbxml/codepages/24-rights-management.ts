// MS-ASWBXML 2.1.2.1.25 Code Page 24: RightsManagement
import { defineCodePage } from '../codepage.js';

export default defineCodePage(24, 'RightsManagement', {
  RightsManagementSupport: [0x05, ['14.1', '16.0', '16.1']],
  RightsManagementTemplates: [0x06, ['14.1', '16.0', '16.1']],
  RightsManagementTemplate: [0x07, ['14.1', '16.0', '16.1']],
  RightsManagementLicense: [0x08, ['14.1', '16.0', '16.1']],
  EditAllowed: [0x09, ['14.1', '16.0', '16.1']],
  ReplyAllowed: [0x0a, ['14.1', '16.0', '16.1']],
  ReplyAllAllowed: [0x0b, ['14.1', '16.0', '16.1']],
  ForwardAllowed: [0x0c, ['14.1', '16.0', '16.1']],
  ModifyRecipientsAllowed: [0x0d, ['14.1', '16.0', '16.1']],
  ExtractAllowed: [0x0e, ['14.1', '16.0', '16.1']],
  PrintAllowed: [0x0f, ['14.1', '16.0', '16.1']],
  ExportAllowed: [0x10, ['14.1', '16.0', '16.1']],
  ProgrammaticAccessAllowed: [0x11, ['14.1', '16.0', '16.1']],
  RMOwner: [0x12, ['14.1', '16.0', '16.1']],
  ContentExpiryDate: [0x13, ['14.1', '16.0', '16.1']],
  TemplateID: [0x14, ['14.1', '16.0', '16.1']],
  TemplateName: [0x15, ['14.1', '16.0', '16.1']],
  TemplateDescription: [0x16, ['14.1', '16.0', '16.1']],
  ContentOwner: [0x17, ['14.1', '16.0', '16.1']],
  RemoveRightsManagementDistribution: [0x18, ['14.1', '16.0', '16.1']],
});
