// One HTTP(S) request from a test, with a fresh connection each time (agent: false) so no keep-alive
// socket outlives the test or hides a server that has stopped.
import * as http from 'node:http';
import * as https from 'node:https';

export interface Reply {
  status: number;
  contentType: string;
  body: string;
}

export interface RequestOptions {
  method?: string;
  /** The CA to trust for https:// (PEM), instead of Node's bundle. */
  ca?: string;
  /** Fail with an error naming the URL when no answer comes within this time; no limit when absent. */
  timeoutMs?: number;
}

/** The status, content type and body of one request; rejects on a connection or TLS error. */
export function request(url: string, options: RequestOptions = {}): Promise<Reply> {
  const client = url.startsWith('https:') ? https : http;
  const { method = 'GET', ca, timeoutMs } = options;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method, ca, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body }));
    });
    if (timeoutMs !== undefined) req.on('timeout', () => req.destroy(new Error(`${url}: no answer within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}
