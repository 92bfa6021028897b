/**
 * The proxy's lifetime inside the extension's (rust-analyzer's ctx.ts keeps
 * the same two lifetimes): start, stop, restart, live settings, the simulated
 * demo. Operations run one at a time through a queue, so a settings change
 * that lands during a start waits for it instead of racing it.
 */
import * as vscode from 'vscode';
import { type ProxyServer, type BackendSnapshot, type ConfigIssue, type CredentialSource, type PoolConfig, type Redactor } from '../core';
import { credentialProblem } from '../core/auth/credentials';
import { heldByPeer } from '../core/peer/follower';
import type { StopMarks } from '../core/peer/stopMarks';
import type { SimulatedBackend } from '../core/simulator';
import { CONTEXT_KEYS, FIRST_STEPS, INITIAL_STATE, actionableError, describeSettingIssue, idleSnapshot, needsRestart, type PoolState } from '../core/view';
import type { WorkspaceApproval } from './approval';
import type { EntraAuth } from './auth';
import type { ShellLog } from './log';
import { PeerLink } from './peer';
import { settingsCredentials, simulatedPlan, startSimulators, TransitionLog, type PoolPlan } from './pools';
import type { Secrets } from './secrets';
import { SettingsState, type SettingsSnapshot } from './settings';

export interface ControllerDeps {
  secrets: Secrets;
  auth: EntraAuth;
  log: ShellLog;
  redactor: Redactor;
  /** Withholds credentials from workspace backends the user has not approved (issue 9). */
  approval: WorkspaceApproval;
  /** Shows invalid settings to the user (the pool itself keeps the last good config). */
  reportConfigErrors: (errors: readonly ConfigIssue[]) => void;
  /** Tells the other windows that the user stopped the pool here by hand, so none takes the port over. */
  stopMarks?: StopMarks;
}

export class PoolController implements vscode.Disposable {
  private state: PoolState = INITIAL_STATE;
  private proxy: ProxyServer | undefined;
  private unwire: (() => void)[] = [];
  private sims: SimulatedBackend[] = [];
  private mode: 'settings' | 'simulated' = 'settings';
  private readonly settings: SettingsState;
  private userStopped = false;
  /** Set while another window's pool serves the port (`elsewhere`): this window follows it (issue 13). */
  private peer: PeerLink | undefined;
  /** The demo replaced a running settings pool: ending the demo starts that pool again (issue 13, item 5). */
  private resumeAfterDemo = false;
  /** Demo backends the user disabled from the tree (issue 13, item 14); they live in memory like the demo. */
  private readonly demoDisabled = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private readonly transitions: TransitionLog;
  /** The settings pool's credential source: one object, so the idle tree and the proxy apply the same gate. */
  private readonly credentials: CredentialSource;

  private readonly stateEmitter = new vscode.EventEmitter<PoolState>();
  /** Run state changed (status bar, context keys, terminals). */
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly backendEmitter = new vscode.EventEmitter<BackendSnapshot>();
  /** One backend's health changed: fires per proxy `state` event, undebounced. */
  readonly onDidChangeBackend = this.backendEmitter.event;
  private readonly poolEmitter = new vscode.EventEmitter<void>();
  /** The set of backends may have changed (start, stop, reload, settings, keys). */
  readonly onDidChangePool = this.poolEmitter.event;

  constructor(private readonly deps: ControllerDeps) {
    this.transitions = new TransitionLog(deps.log);
    this.settings = new SettingsState(deps.log);
    this.credentials = settingsCredentials(deps.secrets, deps.auth, deps.approval, () => this.settings.current.shell.credentialHosts);
    this.state = { ...this.state, configErrors: this.settings.errors };
    // The idle tree shows "API key missing" from SecretStorage, so load the keys now.
    const names = this.settings.lastGood?.backends.map((b) => b.name) ?? [];
    void deps.secrets.load(names).then(() => this.poolEmitter.fire(), (e: unknown) => deps.log.warn(`cannot read SecretStorage: ${String(e)}`));
  }

  get current(): PoolState {
    return this.state;
  }

  get shellSettings(): SettingsSnapshot['shell'] {
    return this.settings.current.shell;
  }

  /** The validated settings pool (not the simulated one), if the settings were ever valid. */
  get settingsConfig(): PoolConfig | undefined {
    return this.settings.lastGood;
  }

  get proxyServer(): ProxyServer | undefined {
    return this.proxy;
  }

  get simulators(): readonly SimulatedBackend[] {
    return this.sims;
  }

  /** The pool's client key (from SecretStorage, created on first use). */
  clientKey(): Promise<string> {
    return this.deps.secrets.clientKey();
  }

  /** Live snapshots while running; otherwise what the settings and SecretStorage say. */
  snapshots(): BackendSnapshot[] {
    // While running, the core itself shows entra backends as signed out (EntraAuth hands it no credential).
    if (this.proxy) return this.proxy.snapshots();
    // Following another window: its live backends.
    const peer = this.state.status === 'elsewhere' ? this.peer?.snapshots() : undefined;
    if (peer) return peer;
    // Stopped: the same rule the core applies (approval, host, key, sign-in), without asking for anything.
    return (this.settings.lastGood?.backends ?? []).map((b) => idleSnapshot(b, credentialProblem(this.credentials, b)));
  }

  /** Resolves once every queued operation has finished (for tests and deactivate). */
  whenIdle(): Promise<void> {
    return this.queue;
  }

  start(): Promise<void> {
    this.userStopped = false;
    return this.enqueue(() => this.doStart());
  }

  /** Stops the proxy; stopping the demo brings back the pool it replaced. */
  stop(): Promise<void> {
    this.userStopped = true;
    return this.enqueue(async () => {
      const owned = this.proxy?.port;
      const resume = this.mode === 'simulated' && this.resumeAfterDemo;
      await this.doStop(false);
      if (resume) {
        this.userStopped = false;
        await this.doStart();
        return;
      }
      // Stopped by hand where the port is owned: the followers must not take it over.
      if (owned !== undefined) await this.deps.stopMarks?.mark(owned).catch((e: unknown) => this.deps.log.warn(`cannot tell other windows the pool was stopped: ${String(e)}`));
    });
  }

  restart(): Promise<void> {
    this.userStopped = false;
    return this.enqueue(async () => {
      await this.doStop(true);
      await this.doStart();
    });
  }

  /** Replaces whatever runs with a pool on three in-memory simulators. */
  trySimulated(): Promise<void> {
    this.userStopped = false;
    return this.enqueue(async () => {
      if (this.mode === 'simulated' && this.proxy) return;
      const resume = !!this.proxy;
      await this.doStop(false);
      this.resumeAfterDemo = resume;
      this.mode = 'simulated';
      await this.doStart();
    });
  }

  /** Activation: start when backends exist and auto-start is on. Never throws; reports instead. */
  autoStart(report: (e: unknown) => void): Promise<void> {
    if (!this.shellSettings.autoStart || !this.settings.lastGood?.backends.length) return Promise.resolve();
    return this.start().catch(report);
  }

  async probe(): Promise<void> {
    if (!this.proxy) throw actionableError('The proxy is not running: start it first', 'startProxy');
    await this.proxy.probeNow();
  }

  /** Another window replaced the client key: accept the new one at once. */
  async clientKeyChanged(): Promise<void> {
    this.proxy?.setClientKey(await this.deps.secrets.clientKey());
  }

  /** Keys or sign-in changed: re-check who is usable, and redraw the idle tree. */
  credentialsChanged(probe = false): void {
    if (this.proxy) {
      this.proxy.credentialsChanged();
      if (probe && this.proxy.config.healthProbe.intervalSec > 0) void this.proxy.probeNow();
    }
    this.poolEmitter.fire();
  }

  /** `onDidChangeConfiguration` for `aoaiPool`: reload live, restart for a port change, keep the last good pool on errors. */
  settingsChanged(report: (e: unknown) => void): Promise<void> {
    return this.enqueue(async () => {
      const before = this.settings.lastGood;
      const terminal = this.shellSettings.terminalEnvironment;
      const hosts = this.shellSettings.credentialHosts.join('\n');
      const valid = this.takeSettings();
      const next = this.settings.current;
      // Sign-in and terminal settings apply even while a pool option is invalid.
      this.deps.auth.configure(next.shell);
      if (terminal !== next.shell.terminalEnvironment) this.setState({});
      // So does the credential allow-list (issue 9): re-check which hosts may have credentials.
      if (hosts !== next.shell.credentialHosts.join('\n')) this.credentialsChanged(true);
      if (!valid) {
        this.deps.reportConfigErrors(this.state.configErrors);
        return;
      }
      const config = this.settings.lastGood!;
      await this.deps.secrets.load(config.backends.map((b) => b.name));
      if (this.proxy) {
        const target = this.mode === 'simulated' ? simulatedPlan(this.settings.current.raw, this.sims, this.demoDisabled).config : config;
        if (needsRestart(this.proxy.config, target)) {
          this.deps.log.info(`port changed to ${target.port}: restarting the proxy`);
          await this.doStop(true);
          await this.doStart().catch(report);
        } else {
          this.proxy.reload(target);
          this.deps.log.info('settings applied');
        }
      } else if (this.shouldStartAfter(before, config)) {
        await this.doStart().catch(report);
      }
      this.poolEmitter.fire();
    });
  }

  /** deactivate(): the proxy and the simulators close; sockets are destroyed, so this is quick. */
  close(): Promise<void> {
    this.userStopped = true;
    return this.enqueue(() => this.doStop(false));
  }

  dispose(): void {
    void this.close();
    this.stateEmitter.dispose();
    this.backendEmitter.dispose();
    this.poolEmitter.dispose();
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    const run = this.queue.then(op);
    // The queue itself never rejects; the caller gets the error.
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Re-reads the settings; false when they are invalid (the last good config stays). */
  private takeSettings(): boolean {
    const errors = this.settings.refresh();
    this.setState({ configErrors: errors });
    if (errors.length) this.poolEmitter.fire();
    return errors.length === 0;
  }

  private shouldStartAfter(before: PoolConfig | undefined, now: PoolConfig): boolean {
    if (!this.shellSettings.autoStart || now.backends.length === 0) return false;
    // Adding the first backend says "use it", even after stopping the demo;
    // otherwise only a changed port retries a start that failed on it.
    if (!before?.backends.length) return true;
    return !this.userStopped && this.state.status === 'failed' && before.port !== now.port;
  }

  private async plan(): Promise<PoolPlan> {
    if (this.mode === 'simulated') {
      if (this.sims.length === 0) this.sims = await startSimulators(this.deps.redactor);
      return simulatedPlan(this.settings.current.raw, this.sims, this.demoDisabled);
    }
    // Re-read: "Use another port" may have just written the setting.
    this.takeSettings();
    const config = this.settings.lastGood;
    if (!config) throw actionableError(`The settings are invalid: ${this.state.configErrors.map(describeSettingIssue).join('; ')}`, 'openSettings');
    if (config.backends.length === 0) throw actionableError('No backends to pool yet: add one, or try the pool on simulated backends', ...FIRST_STEPS);
    await this.deps.secrets.load(config.backends.map((b) => b.name));
    if (config.backends.some((b) => b.auth === 'entra') && this.deps.auth.state === 'unknown') void this.deps.auth.check();
    return { config, credentials: this.credentials };
  }

  private async doStart(): Promise<void> {
    if (this.proxy) return;
    this.unfollow();
    this.setState({ status: 'starting', lastError: undefined });
    let proxy: ProxyServer | undefined;
    try {
      const { config, credentials } = await this.plan();
      const clientKey = await this.deps.secrets.clientKey();
      // The proxy is a chunk of its own, loaded at the first start (esbuild.js LAZY).
      const { ProxyServer } = await import('../core/proxy/server');
      proxy = new ProxyServer({ config, clientKey, credentials, logger: this.deps.log, redactor: this.deps.redactor });
      this.wire(proxy);
      await proxy.start();
      this.proxy = proxy;
      this.userStopped = false;
      await this.deps.stopMarks?.clear(proxy.port).catch(() => undefined);
      const simulated = this.mode === 'simulated';
      this.deps.log.info(`listening on ${proxy.url} with ${config.backends.length} backend(s)${simulated ? ' (simulated)' : ''}`);
      this.setState({ status: 'running', url: proxy.url, port: proxy.port, simulated });
    } catch (e) {
      for (const u of this.unwire.splice(0)) u();
      const port = proxy?.config.port;
      if (this.mode === 'simulated') await this.closeSimulators();
      if (port && (await heldByPeer(e, port, () => this.deps.secrets.clientKey()))) {
        this.deps.log.info(`another AOAI Pool serves http://127.0.0.1:${port}; this window uses it`);
        this.setState({ status: 'elsewhere', url: `http://127.0.0.1:${port}`, port, simulated: false });
        this.follow(port);
        return;
      }
      this.setState({ status: 'failed', url: undefined, port: undefined, simulated: false, lastError: this.deps.redactor.mask(String((e as Error)?.message ?? e)) });
      throw e;
    } finally {
      this.poolEmitter.fire();
    }
  }

  private async doStop(keepSimulators: boolean): Promise<void> {
    const proxy = this.proxy;
    this.proxy = undefined;
    this.unfollow();
    for (const u of this.unwire.splice(0)) u();
    if (proxy) {
      await proxy.close();
      this.deps.log.info('proxy stopped');
    }
    if (!keepSimulators) await this.closeSimulators();
    this.transitions.clear();
    this.setState({ status: 'stopped', url: undefined, port: undefined, simulated: this.mode === 'simulated', lastError: undefined });
    this.poolEmitter.fire();
  }

  private follow(port: number): void {
    this.unfollow();
    this.peer = new PeerLink(port, this.deps.secrets, this.deps.log, {
      changed: () => this.poolEmitter.fire(),
      gone: () => this.takeOver(port),
    });
  }

  private unfollow(): void {
    this.peer?.dispose();
    this.peer = undefined;
  }

  /**
   * The owner went away: start here with this window's settings and the shared
   * client key. The rule (README "Several windows"): only a window still
   * following takes over; one whose user stopped the pool by hand (Stop Proxy
   * here) does not, until they start it again. Racing windows all try; the OS
   * lets one bind, and doStart turns the others into followers of the winner,
   * without a toast. A failure is logged and shown in the tree, never toasted.
   */
  private takeOver(port: number): void {
    void this.enqueue(async () => {
      if (this.userStopped || this.state.status !== 'elsewhere' || this.state.port !== port) return;
      if (await this.deps.stopMarks?.isMarked(port)) {
        this.deps.log.info(`the pool on http://127.0.0.1:${port} was stopped by hand in another window; this window leaves it stopped`);
        this.unfollow();
        this.setState({ status: 'stopped', url: undefined, port: undefined, simulated: false });
        this.poolEmitter.fire();
        return;
      }
      this.deps.log.info(`taking over http://127.0.0.1:${port}`);
      await this.deps.secrets.reload(this.settings.lastGood?.backends.map((b) => b.name) ?? []);
      await this.doStart().catch((e: unknown) => this.deps.log.warn(`could not take over port ${port}: ${this.deps.redactor.mask(String((e as Error)?.message ?? e))}`));
    });
  }

  /** Disables or enables a demo backend: only in memory, as the demo itself. */
  setDemoBackendEnabled(name: string, enabled: boolean): Promise<void> {
    return this.enqueue(async () => {
      if (this.mode !== 'simulated' || !this.sims.some((s) => s.name === name)) throw new Error(`"${name}" is not a backend of the running demo`);
      if (enabled) this.demoDisabled.delete(name);
      else this.demoDisabled.add(name);
      this.proxy?.reload(simulatedPlan(this.settings.current.raw, this.sims, this.demoDisabled).config);
      this.poolEmitter.fire();
    });
  }

  private async closeSimulators(): Promise<void> {
    const sims = this.sims.splice(0);
    this.mode = 'settings';
    this.resumeAfterDemo = false;
    this.demoDisabled.clear();
    await Promise.all(sims.map((s) => s.close()));
  }

  private wire(proxy: ProxyServer): void {
    this.unwire.push(
      proxy.on('state', (s) => {
        this.transitions.record(s);
        this.backendEmitter.fire(s);
      }),
      proxy.on('reload', () => this.poolEmitter.fire()),
    );
  }

  private setState(patch: Partial<PoolState>): void {
    const prev = this.state;
    this.state = { ...prev, ...patch };
    if (prev.status !== this.state.status) setContext(CONTEXT_KEYS.running, this.state.status === 'running');
    if (prev.simulated !== this.state.simulated) setContext(CONTEXT_KEYS.simulated, this.state.simulated);
    this.stateEmitter.fire(this.state);
  }
}

function setContext(key: string, value: boolean): void {
  // Can fail while the window shuts down (deactivate); nothing to do then.
  vscode.commands.executeCommand('setContext', key, value).then(undefined, () => undefined);
}
