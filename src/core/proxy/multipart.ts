/**
 * Just enough multipart/form-data to find and replace the `model` field of an
 * audio or image upload; the rest of the body is forwarded byte for byte.
 */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data/i.test(contentType)) return undefined;
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

interface FieldSpan {
  value: string;
  /** Byte offsets of the value inside the body. */
  start: number;
  end: number;
}

export function findField(body: Buffer, boundary: string, name: string): FieldSpan | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    const headersStart = pos + delimiter.length + 2; // skip CRLF after the delimiter
    const headersEnd = body.indexOf('\r\n\r\n', headersStart);
    if (headersEnd === -1) return undefined;
    const next = body.indexOf(delimiter, headersEnd + 4);
    if (next === -1) return undefined;
    const headers = body.toString('latin1', headersStart, headersEnd);
    const disposition = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(headers);
    if (disposition?.[1] === name && !/filename=/i.test(headers)) {
      const start = headersEnd + 4;
      const end = next - 2; // the CRLF before the next delimiter
      if (end < start) return undefined;
      return { value: body.toString('utf8', start, end), start, end };
    }
    pos = next;
  }
  return undefined;
}

export function replaceField(body: Buffer, span: FieldSpan, value: string): Buffer {
  return Buffer.concat([body.subarray(0, span.start), Buffer.from(value, 'utf8'), body.subarray(span.end)]);
}
