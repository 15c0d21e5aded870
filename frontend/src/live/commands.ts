// Commands over the live channel, each matched to its commandResult by correlation id.
import type { ClientMessage, CommandAction, CommandResult } from '../proto';

export interface CommandOutcome {
  correlationId: string;
  ok: boolean;
  errorCode?: string;
  errorMessage?: string;
  incidentId?: string;
  taskId?: string;
}

interface Pending {
  resolve: (outcome: CommandOutcome) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class CommandTracker {
  private next = 1;
  private readonly pending = new Map<string, Pending>();

  /**
   * @param send puts a message on the channel; false when the channel is not open.
   * @param timeoutMs how long to wait for the commandResult before reporting a timeout.
   * @param prefix makes correlation ids unique across tabs and reloads.
   */
  constructor(
    private readonly send: (message: ClientMessage) => boolean,
    private readonly timeoutMs = 10_000,
    private readonly prefix = `c${Date.now().toString(36)}`,
  ) {}

  /** Sends one command; the promise always resolves, with ok or an error code. */
  issue(action: CommandAction): Promise<CommandOutcome> {
    const correlationId = `${this.prefix}-${this.next++}`;
    return new Promise((resolve) => {
      if (!this.send({ command: { correlationId, ...action } })) {
        resolve({ correlationId, ok: false, errorCode: 'not_connected', errorMessage: '实时连接未建立，命令未发送' });
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        resolve({ correlationId, ok: false, errorCode: 'timeout', errorMessage: '未收到命令结果，请核对态势' });
      }, this.timeoutMs);
      this.pending.set(correlationId, { resolve, timer });
    });
  }

  /** Resolves the command a result answers; false when it answers none of ours. */
  handle(result: CommandResult): boolean {
    const id = result.correlationId ?? '';
    const pending = this.pending.get(id);
    if (!pending) return false;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve({
      correlationId: id,
      ok: result.ok === true,
      errorCode: result.errorCode,
      errorMessage: result.errorMessage,
      incidentId: result.incidentId,
      taskId: result.taskId,
    });
    return true;
  }

  /** The connection dropped: answers for the commands in flight will never come. */
  failAll(errorCode: string, errorMessage: string): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.resolve({ correlationId: id, ok: false, errorCode, errorMessage });
    }
    this.pending.clear();
  }

  get inFlight(): number {
    return this.pending.size;
  }
}

const ERROR_TEXT: Record<string, string> = {
  forbidden: '当前令牌无指挥权限',
  unknown_incident: '事件不存在或不在本辖区',
  unknown_task: '任务不存在或不在本辖区',
  unknown_resource: '指定资源不存在',
  invalid_transition: '当前状态不允许该操作',
  no_available_team: '附近没有空闲的救援队伍',
  invalid_command: '命令格式错误',
  journal_unavailable: '服务端暂时无法记录命令',
  not_connected: '实时连接未建立',
  connection_lost: '连接中断',
  timeout: '命令超时',
};

/** A line for a toast: the Chinese meaning of the code and the server's own message. */
export function describeError(outcome: CommandOutcome): string {
  const code = outcome.errorCode ?? 'error';
  const text = ERROR_TEXT[code] ?? '命令被拒绝';
  return outcome.errorMessage ? `${text}（${code}：${outcome.errorMessage}）` : `${text}（${code}）`;
}
