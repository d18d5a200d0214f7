// Runs in the page (executeAsyncScript). arguments: the module URL of sse.js, a whole real stream as text, the
// callback. Calls back with a list of failures (empty: all passed).
const [moduleUrl, realStream, done] = arguments;

import(moduleUrl).then(({ SseParser }) => {
  const failures = [];

  function parse(chunks) {
    const out = [];
    const parser = new SseParser({
      event: (id, data) => out.push(['event', id, data]),
      retry: (millis) => out.push(['retry', millis]),
      comment: (text) => out.push(['comment', text]),
    });
    for (const chunk of chunks) {
      parser.feed(chunk);
    }
    return JSON.stringify(out);
  }

  // the same result whole, split in two anywhere, and fed one UTF-16 unit at a time
  function check(name, text, expected) {
    const want = JSON.stringify(expected);
    const whole = parse([text]);
    if (whole !== want) {
      failures.push(`${name}, whole: ${whole}, wanted ${want}`);
      return;
    }
    for (let i = 1; i < text.length; i++) {
      const got = parse([text.slice(0, i), text.slice(i)]);
      if (got !== want) {
        failures.push(`${name}, split at ${i}: ${got}`);
        return;
      }
    }
    const single = parse(text.split(''));
    if (single !== want) {
      failures.push(`${name}, one unit a time: ${single}`);
    }
  }

  const frames = (eol) => `retry: 3000${eol}${eol}id: s:1${eol}data: {"type":"start"}${eol}${eol}`
      + `: keep-alive${eol}${eol}id: s:2${eol}data: {"type":"chunk","content":"a"}${eol}${eol}`;
  const expected = [['retry', 3000], ['event', 's:1', '{"type":"start"}'], ['comment', 'keep-alive'],
    ['event', 's:2', '{"type":"chunk","content":"a"}']];
  check('LF', frames('\n'), expected);
  check('CRLF', frames('\r\n'), expected);
  check('CR', frames('\r'), expected);
  check('mixed line ends', 'id: s:1\r\ndata: x\r\rid: s:2\ndata: y\r\n\n',
      [['event', 's:1', 'x'], ['event', 's:2', 'y']]);
  check('several data lines join with LF', 'data: a\ndata: b\n\n', [['event', '', 'a\nb']]);
  check('one space after the colon is dropped, no more', 'data:x\n\ndata:  y\n\n',
      [['event', '', 'x'], ['event', '', ' y']]);
  check('a field without colon', 'data\n\n', [['event', '', '']]);
  check('the id is kept for later events', 'id: s:7\ndata: a\n\ndata: b\n\n',
      [['event', 's:7', 'a'], ['event', 's:7', 'b']]);
  check('unknown fields and event: are ignored', 'event: x\nfoo: bar\ndata: z\n\n', [['event', '', 'z']]);
  check('a bad retry is ignored', 'retry: soon\nretry: 25\n\n', [['retry', 25]]);
  check('no data, no event', 'id: s:1\n\n', []);
  check('an event not ended by a blank line is not dispatched', 'data: a\n\ndata: b\n', [['event', '', 'a']]);
  check('a blank line alone', '\n\n\r\n', []);
  // the connection test's wire: a comment line (its probe) right before the fields of the next event, and a line
  // cut at the end of what arrived so far
  check('a comment line before an event\'s fields, a cut line at the end',
      'id: d:1\r\ndata: {"type":"hello"}\r\n\r\n: probe\nid: d:2\ndata: {"type":"tick"}\n\nid: d',
      [['event', 'd:1', '{"type":"hello"}'], ['comment', 'probe'], ['event', 'd:2', '{"type":"tick"}']]);
  check('text with separators inside JSON strings stays whole',
      'data: {"content":"line\\nnext\\r\\n: not a comment"}\n\n',
      [['event', '', '{"content":"line\\nnext\\r\\n: not a comment"}']]);

  // bytes split inside a multi-byte character: one TextDecoder with {stream: true} puts it back together
  const bytes = new TextEncoder().encode('id: s:1\r\ndata: {"c":"héllo 世界 😀"}\r\n\r\n');
  const wantBytes = JSON.stringify([['event', 's:1', '{"c":"héllo 世界 😀"}']]);
  for (let i = 1; i < bytes.length; i++) {
    const decoder = new TextDecoder();
    const got = parse([decoder.decode(bytes.slice(0, i), { stream: true }),
      decoder.decode(bytes.slice(i), { stream: true }), decoder.decode()]);
    if (got !== wantBytes) {
      failures.push(`UTF-8 split at byte ${i}: ${got}`);
      break;
    }
  }

  // a real stream of this server, whole and cut into random pieces: the same events, the answer exactly
  const wantReal = parse([realStream]);
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let round = 0; round < 50; round++) {
    const chunks = [];
    for (let i = 0; i < realStream.length;) {
      const n = 1 + Math.floor(random() * 40);
      chunks.push(realStream.slice(i, i + n));
      i += n;
    }
    const got = parse(chunks);
    if (got !== wantReal) {
      failures.push(`real stream, round ${round}: events differ`);
      break;
    }
  }
  const events = JSON.parse(wantReal).filter((e) => e[0] === 'event').map((e) => JSON.parse(e[2]));
  done({ failures, answer: events.filter((e) => e.type === 'chunk').map((e) => e.content).join(''),
    count: events.length });
}).catch((e) => done({ failures: [`could not run: ${e}`] }));
