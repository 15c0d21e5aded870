// Trend of the gauges nearest to (or above) their warning level: the readings of the last hour
// as metres relative to each gauge's own warning level, so one warning line (0 m) serves all.
import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { highestGauges } from '../model/situation';
import { formatBeijingClock, toMillis } from '../model/time';
import type { Gauge } from '../proto';

echarts.use([LineChart, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, CanvasRenderer]);

const PALETTE = ['#4fc3f7', '#81c784', '#ffb74d', '#ba68c8', '#f06292'];

export class GaugeTrendChart {
  private readonly chart: echarts.ECharts;
  private readonly resizeObserver: ResizeObserver;

  constructor(
    private readonly container: HTMLElement,
    private readonly limit = 5,
  ) {
    this.chart = echarts.init(container, undefined, { renderer: 'canvas' });
    this.resizeObserver = new ResizeObserver(() => this.chart.resize());
    this.resizeObserver.observe(container);
  }

  render(gauges: Iterable<Gauge>): void {
    const top = highestGauges(gauges, this.limit);
    this.container.dataset.gauges = String(top.length);
    const fontSize = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    const series = top.map((g, i) => ({
      name: g.name ?? g.gaugeId,
      type: 'line' as const,
      showSymbol: false,
      smooth: true,
      lineStyle: { width: 2 },
      color: PALETTE[i % PALETTE.length],
      data: (g.recent ?? [])
        .map((r) => [toMillis(r.at) ?? 0, Number(((r.levelM ?? 0) - (g.warningLevelM ?? 0)).toFixed(2))])
        .filter((p) => p[0] > 0),
      markLine:
        i === 0
          ? {
              silent: true,
              symbol: 'none',
              lineStyle: { color: '#e02020', type: 'dashed' as const, width: 2 },
              label: { formatter: '警戒水位', color: '#ff6b6b', fontSize: fontSize * 0.75 },
              data: [{ yAxis: 0 }],
            }
          : undefined,
    }));
    // For tests and monitoring: how many lines have points, and how many points in all.
    this.container.dataset.series = String(series.filter((x) => x.data.length > 0).length);
    this.container.dataset.points = String(series.reduce((n, x) => n + x.data.length, 0));
    this.chart.setOption(
      {
        animation: false,
        textStyle: { color: '#b8c7dc', fontSize: fontSize * 0.75 },
        grid: { left: fontSize * 3.2, right: fontSize * 3.8, top: fontSize * 3.6, bottom: fontSize * 1.8 },
        // One scrolling line: wrapped legend lines would cover the axis name.
        legend: { type: 'scroll', top: 0, left: fontSize * 0.5, right: fontSize * 0.5, pageIconColor: '#8fa3bf', pageTextStyle: { color: '#8fa3bf' }, textStyle: { color: '#d6e2f3', fontSize: fontSize * 0.72 }, itemWidth: fontSize, itemHeight: fontSize * 0.5 },
        tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => `${Number(v).toFixed(2)} m` },
        xAxis: {
          type: 'time',
          axisLabel: { color: '#8fa3bf', formatter: (v: number) => formatBeijingClock(v).slice(0, 5), fontSize: fontSize * 0.7 },
          axisLine: { lineStyle: { color: '#2a4466' } },
          splitLine: { show: false },
        },
        yAxis: {
          type: 'value',
          name: '距警戒 (m)',
          nameTextStyle: { color: '#8fa3bf', fontSize: fontSize * 0.7 },
          // Always show the warning line (0 m) and half a metre either side of it.
          min: (v: { min: number }) => Math.floor(Math.min(v.min, -0.5) * 2) / 2,
          max: (v: { max: number }) => Math.ceil(Math.max(v.max, 0.5) * 2) / 2,
          axisLabel: { color: '#8fa3bf', fontSize: fontSize * 0.7 },
          splitLine: { lineStyle: { color: '#16283f' } },
        },
        series,
      },
      { notMerge: true },
    );
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    this.chart.dispose();
  }
}
