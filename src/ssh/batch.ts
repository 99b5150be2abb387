/**
 * Reads sent together: the read commands a host is asked in the same turn of the event loop travel as one SSH command
 * that runs them side by side on the host and returns each one's stdout, stderr and exit code in a frame of its own,
 * as soon as it ends. One channel and one shell instead of one per read: on a small host the per-command cost
 * (sshd's session, a login shell) was most of a read-only pass's time outside the commands themselves.
 *
 * Only reads are batched (never an act, never a command given stdin), and each keeps its own timeout and
 * cancellation. The script needs bash >= 4.3 and coreutils, which every PVE node and Debian VM has.
 */

/** First word of a frame header, and what marks a batch in a host's audit log. */
export const BATCH_MARK = 'pve-twonode-batch';

/** Variables of the batch's own shell; long names so no command's variables meet them (subshells inherit them). */
const DIR = '__pve_twonode_dir';
const LEFT = '__pve_twonode_left';
const ENDED = '__pve_twonode_ended';
const FILES = '__pve_twonode_files';
const SIZES = '__pve_twonode_sizes';

/**
 * The host script. Each command runs in a subshell of its own (its `exit` or `cd` stays there), all at once, output
 * in files, its exit code written by the subshell's EXIT trap. Whenever commands end, the ones ended are sent as a
 * group: "<mark> <count>\n", a line "<index> <exit> <stdout bytes> <stderr bytes>" each, then their stdout and stderr
 * bytes in that order. Forks are what cost on a small host (about 1 ms each on the lab), so a group costs two (stat,
 * cat) whatever its size. A command that left no exit code (it exec'd, or was killed) reports 255. The newline before
 * "}" closes a command that ends in a comment.
 *
 * Each subshell also tells its end on a FIFO the script reads on fd 3 (closed for the command itself; the EXIT trap
 * opens the FIFO by name, read-write, so it never blocks, even after an `exit` inside the command). Not `wait -n`:
 * bash's wait -n does not return for a job that ended before it was called, so on a loaded host a quick read that
 * ended first waited for the slowest of its batch. A line in the FIFO stays until read. A command that never tells
 * (exec'd away) is found once no job runs, within a second.
 */
export function batchScript(commands: readonly string[]): string {
  const jobs = commands.map(
    (command, i) =>
      `( trap 'echo $? >"$${DIR}/r${i}"; echo ${i} 1<>"$${DIR}/ended"' EXIT; { ${command}\n} </dev/null 3>&- >"$${DIR}/o${i}" 2>"$${DIR}/e${i}" ) &`,
  );
  return [
    `: ${BATCH_MARK} ${commands.length}`,
    `${DIR}=$(mktemp -d) || exit 111`,
    `trap 'rm -rf "$${DIR}"' EXIT`,
    `mkfifo "$${DIR}/ended" && exec 3<>"$${DIR}/ended" || exit 111`,
    ...jobs,
    `${LEFT}="${commands.map((_, i) => i).join(' ')}"`,
    `while [ -n "$${LEFT}" ]; do`,
    `  set -- $${LEFT}; ${LEFT}=; ${ENDED}=()`,
    `  for i; do if [ -s "$${DIR}/r$i" ]; then ${ENDED}+=("$i"); else ${LEFT}="$${LEFT} $i"; fi; done`,
    `  if [ $\{#${ENDED}[@]} -eq 0 ]; then`,
    `    if ! read -r -t 1 -u 3 _; then jobs -pr >"$${DIR}/running"; [ -s "$${DIR}/running" ] || for i in $${LEFT}; do [ -s "$${DIR}/r$i" ] || echo 255 >"$${DIR}/r$i"; done; fi`,
    `    continue`,
    `  fi`,
    `  ${FILES}=(); for i in "$\{${ENDED}[@]}"; do ${FILES}+=("$${DIR}/o$i" "$${DIR}/e$i"); done`,
    `  ${SIZES}=($(stat -c %s "$\{${FILES}[@]}")); printf '${BATCH_MARK} %s\n' $\{#${ENDED}[@]}; set -- $\{${SIZES}[@]}`,
    `  for i in "$\{${ENDED}[@]}"; do read -r rc <"$${DIR}/r$i"; printf '%s %s %s %s\n' "$i" "$rc" "$1" "$2"; shift 2; done`,
    `  cat "$\{${FILES}[@]}"`,
    `done`,
  ].join('\n');
}

/** The commands a batch script carries (a host's audit log shows the script; tests read the commands in it). */
export function batchedCommands(script: string): string[] | undefined {
  if (!script.startsWith(`: ${BATCH_MARK} `)) return undefined;
  const commands: string[] = [];
  const job = new RegExp(`EXIT; \\{ ([\\s\\S]*?)\\n\\} </dev/null 3>&- >"\\$${DIR}/o\\d+"`, 'g');
  for (const match of script.matchAll(job)) commands.push(match[1]);
  return commands;
}

export interface Frame {
  index: number;
  code: number;
  stdout: string;
  stderr: string;
}

/** Cuts a batch's stdout into frames; bytes are counted, so a command's output may hold anything. */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (frame: Frame) => void) {}

  feed(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.group()) {
      // every whole group is passed on; a partial one waits for more bytes
    }
  }

  /** One whole group from the buffer, if it holds one: its header lines, then the bodies they announce. */
  private group(): boolean {
    const lines: string[] = [];
    let at = 0;
    const line = (): string | undefined => {
      const eol = this.buffered.indexOf(0x0a, at);
      if (eol < 0) return undefined;
      const text = this.buffered.subarray(at, eol).toString();
      at = eol + 1;
      return text;
    };
    const head = line();
    if (head === undefined) return false;
    const [mark, count] = head.split(' ');
    if (mark !== BATCH_MARK || !/^\d+$/.test(count)) throw new Error(`not a batch frame: ${head.slice(0, 80)}`);
    for (let i = 0; i < Number(count); i++) {
      const l = line();
      if (l === undefined) return false;
      lines.push(l);
    }
    const frames = lines.map((l) => {
      const [index, code, outBytes, errBytes] = l.split(' ').map(Number);
      return { index, code, outBytes, errBytes };
    });
    const end = at + frames.reduce((n, f) => n + f.outBytes + f.errBytes, 0);
    if (this.buffered.length < end) return false;
    const body = this.buffered.subarray(at, end);
    this.buffered = this.buffered.subarray(end);
    let from = 0;
    for (const f of frames) {
      const stdout = body.subarray(from, (from += f.outBytes)).toString();
      const stderr = body.subarray(from, (from += f.errBytes)).toString();
      this.onFrame({ index: f.index, code: f.code, stdout, stderr });
    }
    return true;
  }
}
