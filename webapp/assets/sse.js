/**
 * An incremental parser of `text/event-stream`, after the WHATWG rules: lines end in CRLF, LF or CR; a line
 * starting with `:` is a comment; `field: value` (one optional space after the colon); a blank line dispatches
 * the event. It knows nothing of HTTP: feed it text as it arrives, split anywhere (inside a line, between the CR
 * and the LF of a CRLF, several events at once), and it reports complete events to its callbacks.
 *
 * Decode bytes with one `TextDecoder` and `{stream: true}` before feeding, so a character split across two reads
 * is not mangled.
 *
 *     const parser = new SseParser({
 *       event(id, data) { ... },   // id: the last `id:` seen (sticky, as in EventSource); data: lines joined by \n
 *       retry(millis) { ... },     // a `retry:` field with a valid integer
 *       comment(text) { ... },     // optional, e.g. ": keep-alive"
 *     });
 *     parser.feed(decoder.decode(bytes, {stream: true}));
 */
export class SseParser {
  constructor(callbacks) {
    this.callbacks = callbacks;
    this.buffer = '';
    this.skipLf = false;   // the previous chunk ended in CR: a LF starting the next one belongs to it
    this.lastId = '';
    this.data = [];
    this.hasData = false;
  }

  /** Parses `text`; complete lines are processed, the rest is kept for the next call. */
  feed(text) {
    if (text.length === 0) {
      return;
    }
    let start = 0;
    if (this.skipLf) {
      this.skipLf = false;
      if (text.charCodeAt(0) === 10) {
        start = 1;
      }
    }
    const chunk = this.buffer + text.slice(start);
    let lineStart = 0;
    for (let i = this.buffer.length; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c !== 10 && c !== 13) {
        continue;
      }
      this.line(chunk.slice(lineStart, i));
      if (c === 13) {
        if (i + 1 === chunk.length) {
          this.skipLf = true;
        } else if (chunk.charCodeAt(i + 1) === 10) {
          i++;
        }
      }
      lineStart = i + 1;
    }
    this.buffer = chunk.slice(lineStart);
  }

  /** The stream ended: an event not followed by its blank line is dropped, as the standard says. */
  end() {
    this.buffer = '';
    this.skipLf = false;
    this.data = [];
    this.hasData = false;
  }

  line(line) {
    if (line.length === 0) {
      this.dispatch();
      return;
    }
    if (line.charCodeAt(0) === 58) {
      if (this.callbacks.comment) {
        this.callbacks.comment(line.slice(1).trimStart());
      }
      return;
    }
    const colon = line.indexOf(':');
    let field = line;
    let value = '';
    if (colon >= 0) {
      field = line.slice(0, colon);
      value = line.slice(line.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1);
    }
    switch (field) {
      case 'data':
        this.data.push(value);
        this.hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) {
          this.lastId = value;
        }
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value) && this.callbacks.retry) {
          this.callbacks.retry(Number(value));
        }
        break;
      default:
        // `event:` and unknown fields: this protocol has none, and unknown ones are ignored by the standard
        break;
    }
  }

  dispatch() {
    if (!this.hasData) {
      return;
    }
    const data = this.data.join('\n');
    this.data = [];
    this.hasData = false;
    this.callbacks.event(this.lastId, data);
  }
}
