import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Logger } from '@portcullis/service-kit';
import type { McpConnection } from '../config.js';
import { isRequest, isResponse, parseMessage, type JsonObject, type JsonRpcId, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from './jsonrpc.js';
import { LEGACY_VERSIONS } from './revision.js';
import { UpstreamError, type UpstreamClient, type UpstreamInfo, type UpstreamSession } from './upstream.js';

export interface StdioOptions {
  readonly maxProcesses: number;
  readonly idleTimeoutMs: number;
  readonly logger: Logger;
}

const KILL_GRACE_MS = 2_000;
const STDERR_LINE = 500;

/**
 * stdio MCP servers the gateway spawns: one process per caller session and connection, so that
 * one caller's notifications, server-to-client requests and server-side state never reach
 * another. A process gets only its connection's env (and PATH, HOME), never the gateway's own
 * environment, which holds other secrets.
 */
export class StdioUpstreams {
  private readonly processes = new Map<string, Promise<StdioProcess>>();

  constructor(private readonly options: StdioOptions) {}

  async session(key: string, connection: McpConnection, client: UpstreamClient): Promise<UpstreamSession> {
    const id = `${key}|${connection.config.name}`;
    const known = this.processes.get(id);
    if (known) {
      const running = await known.catch(() => undefined);
      if (running && !running.exited) return running;
      if (this.processes.get(id) === known) this.processes.delete(id);
    }
    if (this.processes.size >= this.options.maxProcesses) throw new UpstreamError('UNAVAILABLE', `too many stdio MCP processes (${this.options.maxProcesses}); try again later`);
    const starting = StdioProcess.start(connection, client, this.options, () => {
      if (this.processes.get(id) === starting) this.processes.delete(id);
    });
    this.processes.set(id, starting);
    starting.catch(() => {
      if (this.processes.get(id) === starting) this.processes.delete(id);
    });
    return starting;
  }

  async end(key: string): Promise<void> {
    const ending = [...this.processes.entries()].filter(([id]) => id.startsWith(`${key}|`));
    for (const [id] of ending) this.processes.delete(id);
    await Promise.all(ending.map(async ([, process]) => (await process.catch(() => undefined))?.close()));
  }

  async close(): Promise<void> {
    const all = [...this.processes.values()];
    this.processes.clear();
    await Promise.all(all.map(async (process) => (await process.catch(() => undefined))?.close()));
  }
}

interface Pending {
  readonly gatewayId: JsonRpcId;
  readonly progressToken: unknown;
  push(message: JsonRpcMessage): void;
  fail(error: Error): void;
}

/** One spawned server: newline-delimited JSON-RPC, ids rewritten so the gateway's never collide. */
class StdioProcess implements UpstreamSession {
  info!: UpstreamInfo;
  exited = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private listener: ((message: JsonRpcMessage) => void) | undefined;
  private readonly unsolicited: JsonRpcMessage[] = [];
  private idle: NodeJS.Timeout | undefined;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly connection: McpConnection,
    private readonly options: StdioOptions,
    private readonly onExit: () => void,
  ) {}

  static async start(connection: McpConnection, client: UpstreamClient, options: StdioOptions, onExit: () => void): Promise<StdioProcess> {
    const [program, ...args] = connection.config.command!;
    const env: Record<string, string> = { ...connection.env };
    if (process.env.PATH) env.PATH = process.env.PATH;
    if (process.env.HOME) env.HOME = process.env.HOME;
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(program!, args, { cwd: connection.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      throw new UpstreamError('UNAVAILABLE', `${connection.config.name} could not be started: ${(err as Error).message}`);
    }
    const upstream = new StdioProcess(child, connection, options, onExit);
    await upstream.attach();
    await upstream.initialize(client);
    return upstream;
  }

  private get name(): string {
    return this.connection.config.name;
  }

  private attach(): Promise<void> {
    const child = this.child;
    child.stdout.on('data', (chunk: Buffer) => this.read(chunk));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      let newline: number;
      while ((newline = stderr.indexOf('\n')) !== -1) {
        this.options.logger.debug({ connection: this.name, line: stderr.slice(0, Math.min(newline, STDERR_LINE)) }, 'stdio MCP server stderr');
        stderr = stderr.slice(newline + 1);
      }
      if (stderr.length > STDERR_LINE * 4) stderr = '';
    });
    child.stdin.on('error', () => undefined); // a closed pipe shows as the exit below
    return new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (err) => {
        this.exit(`could not be started (${(err as NodeJS.ErrnoException).code ?? err.message})`);
        reject(new UpstreamError('UNAVAILABLE', `${this.name} could not be started: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      });
      child.once('exit', (code, signal) => this.exit(`exited (${code ?? signal})`));
    });
  }

  private async initialize(client: UpstreamClient): Promise<void> {
    const protocolVersion = LEGACY_VERSIONS.includes(client.protocolVersion) ? client.protocolVersion : LEGACY_VERSIONS[0]!;
    const message: JsonRpcRequest = { jsonrpc: '2.0', id: 'portcullis-initialize', method: 'initialize', params: { protocolVersion, capabilities: client.capabilities, clientInfo: client.clientInfo } };
    let response: JsonRpcResponse | undefined;
    try {
      // The request's own timer bounds the wait (TIMEOUT); nothing else cancels an initialize.
      for await (const incoming of this.request(message, new AbortController().signal)) if (isResponse(incoming)) response = incoming;
    } catch (err) {
      await this.close();
      throw err;
    }
    if (!response || 'error' in response) {
      await this.close();
      throw new UpstreamError('PROTOCOL', `${this.name} refused initialize${response && 'error' in response ? `: ${response.error.message}` : ''}`);
    }
    const result = response.result;
    const version = typeof result.protocolVersion === 'string' ? result.protocolVersion : '';
    if (!LEGACY_VERSIONS.includes(version)) {
      await this.close();
      throw new UpstreamError('PROTOCOL', `${this.name} answered initialize with protocol version "${version.slice(0, 40)}", which the gateway does not speak on stdio`);
    }
    const object = (value: unknown): JsonObject => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {});
    this.info = { protocolVersion: version, capabilities: object(result.capabilities), serverInfo: object(result.serverInfo), ...(typeof result.instructions === 'string' ? { instructions: result.instructions } : {}) };
    this.write({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  async *request(message: JsonRpcRequest, signal: AbortSignal): AsyncIterable<JsonRpcMessage> {
    if (this.exited) throw new UpstreamError('UNAVAILABLE', `${this.name} is not running`);
    this.touch();
    const wireId = this.nextId++;
    const queue: JsonRpcMessage[] = [];
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    const meta = message.params?._meta as JsonObject | undefined;
    this.pending.set(wireId, {
      gatewayId: message.id,
      progressToken: meta?.progressToken,
      push: (m) => {
        queue.push(m);
        notify();
      },
      fail: (err) => {
        failure ??= err; // the first cause (a garbage line) beats its consequence (the exit)
        notify();
      },
    });
    const timeoutMs = this.connection.config.timeout;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        failure ??= new UpstreamError('TIMEOUT', `${this.name} did not answer within ${timeoutMs} ms`);
        notify();
      }, timeoutMs);
    };
    const onAbort = () => {
      failure ??= signal.reason instanceof Error ? signal.reason : new UpstreamError('UNAVAILABLE', `the request to ${this.name} was cancelled`);
      notify();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    arm();
    let answered = false;
    try {
      this.write({ ...message, id: wireId });
      for (;;) {
        while (queue.length > 0) {
          const next = queue.shift()!;
          if (isResponse(next)) {
            answered = true;
            yield { ...next, id: message.id } as JsonRpcResponse;
            return;
          }
          if ('method' in next && next.method === 'notifications/progress') arm();
          yield next;
        }
        if (failure) throw failure;
        if (signal.aborted) onAbort();
        if (failure) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      this.pending.delete(wireId);
      if (!answered && !this.exited) this.write({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: wireId, reason: timedOut ? 'timeout' : 'cancelled by the gateway' } });
      this.touch();
    }
  }

  async send(message: JsonRpcNotification | JsonRpcResponse): Promise<void> {
    if (this.exited) throw new UpstreamError('UNAVAILABLE', `${this.name} is not running`);
    this.touch();
    this.write(message);
  }

  async *listen(signal: AbortSignal): AsyncIterable<JsonRpcMessage> {
    let wake: (() => void) | undefined;
    this.listener = () => {
      wake?.();
      wake = undefined;
    };
    const onAbort = () => this.listener?.({ jsonrpc: '2.0', method: 'portcullis/stop' });
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal.aborted && !this.exited) {
        while (this.unsolicited.length > 0) yield this.unsolicited.shift()!;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.listener = undefined;
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.idle);
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    this.child.kill('SIGTERM');
    const kill = setTimeout(() => this.child.kill('SIGKILL'), KILL_GRACE_MS);
    await exited;
    clearTimeout(kill);
  }

  private write(message: JsonRpcMessage): void {
    if (this.exited) return;
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  private touch(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      if (this.pending.size === 0) void this.close();
      else this.touch();
    }, this.options.idleTimeoutMs);
    this.idle.unref();
  }

  /** Frames stdout into lines; a line over the limit or not a JSON-RPC message ends the process. */
  private read(chunk: Buffer): void {
    const limit = this.connection.config.maxMessageBytes;
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      this.buffered.push(chunk.subarray(start, newline));
      const line = Buffer.concat(this.buffered).toString('utf8');
      this.buffered = [];
      this.bufferedBytes = 0;
      start = newline + 1;
      if (line.length > limit) return this.broken('TOO_LARGE', `sent a message over ${limit} bytes`);
      if (line.trim() !== '') this.dispatch(line);
      if (this.exited) return;
    }
    const rest = chunk.subarray(start);
    this.bufferedBytes += rest.length;
    if (this.bufferedBytes > limit) return this.broken('TOO_LARGE', `sent a message over ${limit} bytes`);
    if (rest.length > 0) this.buffered.push(rest);
  }

  private dispatch(line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return this.broken('PROTOCOL', 'wrote a line that is not JSON');
    }
    const parsed = parseMessage(value);
    if (!parsed.ok) return this.broken('PROTOCOL', `wrote an invalid JSON-RPC message (${parsed.message})`);
    const message = parsed.message;
    if (isResponse(message)) {
      const pending = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
      if (pending) pending.push(message);
      return;
    }
    // Progress of a request goes with it; anything else goes with the only request in flight, if
    // there is exactly one (one caller per process), else to the server stream.
    const params = 'params' in message ? message.params : undefined;
    if (!isRequest(message) && message.method === 'notifications/progress') {
      for (const pending of this.pending.values()) if (pending.progressToken !== undefined && pending.progressToken === params?.progressToken) return pending.push(message);
    }
    if (this.pending.size === 1 && (isRequest(message) || message.method === 'notifications/message')) return [...this.pending.values()][0]!.push(message);
    this.unsolicited.push(message);
    if (this.unsolicited.length > 1000) this.unsolicited.shift();
    this.listener?.(message);
  }

  private broken(failure: 'TOO_LARGE' | 'PROTOCOL', what: string): void {
    this.options.logger.warn({ connection: this.name }, `stdio MCP server ${what}; stopping it`);
    const error = new UpstreamError(failure, `${this.name} ${what}`);
    for (const pending of this.pending.values()) pending.fail(error);
    this.child.kill('SIGKILL');
    this.exit(what);
  }

  private exit(why: string): void {
    if (this.exited) return;
    this.exited = true;
    clearTimeout(this.idle);
    const error = new UpstreamError('UNAVAILABLE', `${this.name} ${why}`);
    for (const pending of this.pending.values()) pending.fail(error);
    this.listener?.({ jsonrpc: '2.0', method: 'portcullis/stop' });
    this.onExit();
  }
}
