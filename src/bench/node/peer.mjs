// A peer to compare the chat server with: the event stream as a plain Node server is commonly written.
// http.createServer, a setInterval per stream, res.write of each frame: no event log, no resume, no batching.
// The frames are the chat server's for a demo reply of --reply-tokens tokens at --tokens-per-second (retry:, start,
// the chunks, end), so the load client checks and measures it as it does the chat server.
//
//   node src/bench/node/peer.mjs --port=8090 --tokens-per-second=20 --reply-tokens=200
import http from 'node:http';

const options = Object.fromEntries(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)=(.*)$/.exec(a);
  if (!m) throw new Error(`options are --name=value, not ${a}`);
  return [m[1], m[2]];
}));
const port = Number(options.port ?? 8090);
const period = 1000 / Number(options['tokens-per-second'] ?? 20);
const tokens = Number(options['reply-tokens'] ?? 200);

let ids = 0;
const frame = (id, seq, json) => `id: ${id}:${seq}\ndata: ${json}\n\n`;

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname !== '/api/chat') {
    res.writeHead(404).end();
    return;
  }
  req.resume(); // the body, if any, is not looked at
  const id = `p${++ids}`;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream;charset=UTF-8',
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
    'X-Stream-Id': id,
  });
  res.write('retry: 3000\n\n' + frame(id, 1, `{"type":"start","stream_id":"${id}","model":"demo"}`));
  let seq = 1;
  const timer = setInterval(() => {
    seq++;
    if (seq > tokens + 1) {
      clearInterval(timer);
      res.end(frame(id, seq,
        `{"type":"end","finish_reason":"stop","usage":{"prompt_tokens":1,"completion_tokens":${tokens}}}`));
    } else {
      res.write(frame(id, seq, '{"type":"chunk","content":"word "}'));
    }
  }, period);
  res.on('close', () => clearInterval(timer));
});
server.keepAliveTimeout = 300_000;
server.requestTimeout = 0;
server.listen(port, '127.0.0.1', 16384, () => {
  console.log(`Node peer on http://localhost:${server.address().port}/`);
});
