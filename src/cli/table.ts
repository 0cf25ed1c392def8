/** A plain-text table for terminals: a header row, then one row per item, columns padded. */
export function formatTable(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  if (rows.length === 0) return '(none)\n';
  const cell = (value: unknown) => (value === null || value === undefined ? '-' : String(value).replace(/\s+/g, ' ').slice(0, 60));
  const cells = rows.map((row) => columns.map((column) => cell(row[column])));
  const widths = columns.map((column, index) => Math.max(column.length, ...cells.map((row) => row[index]!.length)));
  const line = (values: readonly string[]) =>
    values
      .map((value, index) => value.padEnd(widths[index]!))
      .join('  ')
      .trimEnd();
  return `${[line(columns.map((column) => column.toUpperCase())), ...cells.map(line)].join('\n')}\n`;
}
