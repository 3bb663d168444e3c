// MS-ASWBXML 2.1.2.1.12 Code Page 11: ValidateCert
import { ALL, defineCodePage } from '../codepage.js';

export default defineCodePage(11, 'ValidateCert', {
  ValidateCert: [0x05, ALL],
  Certificates: [0x06, ALL],
  Certificate: [0x07, ALL],
  CertificateChain: [0x08, ALL],
  CheckCRL: [0x09, ALL],
  Status: [0x0a, ALL],
});
