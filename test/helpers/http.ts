import http from 'node:http';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The content type the server declared ('' when none). */
  type: string;
  body: Buffer;
}

export interface RequestOptions {
  method?: string;
  /** Host defaults to the server's own address, as a browser on the page sends it. */
  headers?: Record<string, string>;
  body?: string;
}

/** One request to a server on this machine, its whole reply read. */
export function httpRequest(
  port: number | string,
  pathname: string,
  options: RequestOptions = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: pathname,
        method: options.method ?? 'GET',
        headers: { Host: `127.0.0.1:${port}`, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            type: res.headers['content-type'] ?? '',
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
