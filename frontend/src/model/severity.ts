import type { Severity } from '../proto';

/** Rank of a warning colour: 0 unspecified, 1 blue … 4 red. */
export function severityRank(severity: Severity | undefined): number {
  switch (severity) {
    case 'SEVERITY_BLUE':
      return 1;
    case 'SEVERITY_YELLOW':
      return 2;
    case 'SEVERITY_ORANGE':
      return 3;
    case 'SEVERITY_RED':
      return 4;
    default:
      return 0;
  }
}

export const SEVERITIES_DESCENDING: readonly Severity[] = [
  'SEVERITY_RED',
  'SEVERITY_ORANGE',
  'SEVERITY_YELLOW',
  'SEVERITY_BLUE',
];

/** The four warning colours of 突发事件预警分级, indexed by rank. */
export const SEVERITY_COLOURS: readonly string[] = ['#6b7a8f', '#1e6fd9', '#f5c400', '#ff7a00', '#e02020'];

export function severityColour(severity: Severity | undefined): string {
  return SEVERITY_COLOURS[severityRank(severity)];
}

const SEVERITY_LABELS: Record<Severity, string> = {
  SEVERITY_UNSPECIFIED: '未定级',
  SEVERITY_BLUE: '蓝色',
  SEVERITY_YELLOW: '黄色',
  SEVERITY_ORANGE: '橙色',
  SEVERITY_RED: '红色',
};

export function severityLabel(severity: Severity | undefined): string {
  return SEVERITY_LABELS[severity ?? 'SEVERITY_UNSPECIFIED'];
}
