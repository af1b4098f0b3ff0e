import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A mail as the receiver got it, parsed. */
export interface ReceivedMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  parsed: ParsedMail;
}

/** A real SMTP server on 127.0.0.1 (ephemeral port) that keeps what it receives. */
export interface SmtpReceiver {
  port: number;
  /** `smtp://user:secret@127.0.0.1:port`: the receiver asks for these credentials. */
  url: string;
  received: ReceivedMail[];
  /** While true, every recipient is refused with a temporary error (451). */
  refusing: boolean;
  /** Stops listening (the mail server is down) until {@link SmtpReceiver.start}. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** The mails sent to `to` so far. */
  mailsTo(to: string): ReceivedMail[];
}

const USER = 'gantry';
const SECRET = 'smtp-test-secret';

/** Starts a receiver; `close` it with `stop()`. */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const received: ReceivedMail[] = [];
  let port = 0;
  let server: SMTPServer | undefined;
  const receiver: SmtpReceiver = {
    port: 0,
    url: '',
    received,
    refusing: false,
    async start() {
      server = new SMTPServer({
        authOptional: false,
        allowInsecureAuth: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onAuth(auth, _session, callback) {
          if (auth.username === USER && auth.password === SECRET) {
            callback(null, { user: USER });
            return;
          }
          callback(new Error('Invalid username or password'));
        },
        onRcptTo(_address, _session, callback) {
          if (receiver.refusing) {
            const error = Object.assign(new Error('Try again later'), { responseCode: 451 });
            callback(error);
            return;
          }
          callback();
        },
        onData(stream, _session, callback) {
          simpleParser(stream)
            .then((parsed) => {
              const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
              received.push({
                to: to?.value[0]?.address ?? '',
                from: parsed.from?.value[0]?.address ?? '',
                subject: parsed.subject ?? '',
                text: parsed.text ?? '',
                html: typeof parsed.html === 'string' ? parsed.html : '',
                parsed,
              });
              callback();
            })
            .catch((error: Error) => callback(error));
        },
      });
      const listening = server;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(port, '127.0.0.1', () => resolve());
      });
      const address = listening.server.address();
      if (address && typeof address === 'object') port = address.port;
      receiver.port = port;
      receiver.url = `smtp://${USER}:${SECRET}@127.0.0.1:${port}`;
    },
    async stop() {
      const running = server;
      server = undefined;
      if (running) await new Promise<void>((resolve) => running.close(() => resolve()));
    },
    mailsTo(to) {
      return received.filter((m) => m.to.toLowerCase() === to.toLowerCase());
    },
  };
  await receiver.start();
  return receiver;
}

/** The first link into Gantry in a mail's text (`{publicUrl}/<path>/<token>`). */
export function linkIn(mail: ReceivedMail, path: string): string {
  const match = new RegExp(`https?://\\S+/${path}/([A-Za-z0-9_-]+)`).exec(mail.text);
  if (!match) throw new Error(`no ${path} link in mail "${mail.subject}"`);
  return match[0];
}

/** The token of that link. */
export function tokenIn(mail: ReceivedMail, path: string): string {
  return linkIn(mail, path).split(`/${path}/`)[1] as string;
}
