/**
 * Work a command owes before the process ends (closing the database takes the snapshot its
 * changes are owed). Kept apart from the vault so `keycast --version` loads nothing else.
 */
const tasks: (() => Promise<void>)[] = [];

export function atExit(task: () => Promise<void>): void {
  tasks.push(task);
}

export async function runExitTasks(): Promise<void> {
  for (const task of tasks.splice(0)) await task();
}
