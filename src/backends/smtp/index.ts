export { NodemailerSubmitter, type SmtpConfig } from './nodemailer-submitter.js';
