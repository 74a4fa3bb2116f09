// smb:// paths as a person reads them: the engine names SMB files by URI, in which a space is
// %20 and "ü" is %C3%BC (a name holding % is written %25). Shown decoded by the host's messages
// (src/host/logic/shown.ts) and the webviews alike; local paths are shown as they are (a local
// name may hold "%20" itself). Pure: no node:, no vscode.

const SMB = /^smb:\/\//i;

/** Each run of %XX escapes as the text it stands for (left as it is where that is not UTF-8). */
function decoded(text: string): string {
  return text.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

export const isSmbUri = (p: string): boolean => SMB.test(p);

/** A path to show: an smb:// URI decoded, a local path as it is. */
export function shownPath(p: string): string {
  return SMB.test(p) ? decoded(p) : p;
}

/** The last name of an smb:// URI, decoded ("big sparse.img"). */
export function shownSmbName(uri: string): string {
  return decoded(uri.slice(uri.lastIndexOf('/') + 1));
}

/** A sentence to show: the smb:// URIs in it decoded (an engine's error, a title). */
export function shownText(text: string): string {
  return text.replace(/smb:\/\/[^\s"'<>]+/gi, (uri) => decoded(uri));
}
