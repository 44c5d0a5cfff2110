// The virtual grid / list of a long list of assets (a folder, search results, the trash, a
// library), with file-manager selection: click, ctrl/cmd-click, shift-click ranges, keyboard.
// Only the rows in view (plus a margin) are in the DOM, so 100,000 children scroll smoothly.
import { useEffect, useLayoutEffect, useRef, useState, type DragEvent, type KeyboardEvent, type MouseEvent } from 'react';
import type { Asset } from './types.ts';
import type { Paged } from './paged.ts';
import { countOf, isSelected, toggle, withRange, allSelection, emptySelection, type Selection } from './selection.ts';
import { Thumb } from './Thumb.tsx';
import { date, size, typeLabel } from './format.ts';
import { gridRendered, useAfterFirstGrid } from './first-grid.ts';

export type Layout = 'grid' | 'list';

export interface AssetViewProps {
  list: Paged;
  layout: Layout;
  label: string;
  selection: Selection;
  onSelection(s: Selection): void;
  onFocusAsset(a: Asset | undefined): void;
  onOpen(a: Asset): void;
  onDelete?(): void;
  onRename?(): void;
  onUp?(): void;
  /** assets dragged onto a folder of the list */
  onMoveInto?(folder: Asset): void;
  /** files dropped from the desktop */
  onDropFiles?(files: File[]): void;
  empty: string;
}

const TILE_W = 168;
const TILE_H = 200;
const ROW_H = 40;
const OVERSCAN = 3;
const DRAG_TYPE = 'application/x-assetlib-selection';

export function AssetView(p: AssetViewProps) {
  const { list, layout, selection } = p;
  const scroller = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const [height, setHeight] = useState(600);
  const [scrollTop, setScrollTop] = useState(0);
  const [focus, setFocus] = useState(0);
  const anchor = useRef(0);
  const total = list.total ?? 0;

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => { setWidth(el.clientWidth); setHeight(el.clientHeight); });
    ro.observe(el);
    setWidth(el.clientWidth);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  // the scroll position the view last set or saw (the DOM's may already be clamped by a new height)
  const lastTop = useRef(0);
  const scrollTo = (top: number) => {
    const el = scroller.current;
    if (!el) return;
    el.scrollTop = top;
    lastTop.current = el.scrollTop;
    setScrollTop(el.scrollTop);
  };

  // a new list starts at the top: before paint, so no frame shows (or fetches) it at the old offset
  useLayoutEffect(() => { setFocus(0); anchor.current = 0; scrollTo(0); }, [list.key]);

  const cols = layout === 'grid' ? Math.max(1, Math.floor(width / TILE_W)) : 1;
  const rowH = layout === 'grid' ? TILE_H : ROW_H;
  const tileW = layout === 'grid' ? Math.floor(width / cols) : width;
  const rows = Math.ceil(total / cols);
  // the margin (OVERSCAN rows above and below the view) is rendered once the first grid is shown:
  // until then the page renders, lays out and paints only what is in view
  const overscan = useAfterFirstGrid() ? OVERSCAN : 0;
  const firstRow = Math.max(0, Math.floor(scrollTop / rowH) - overscan);
  const lastRow = Math.min(rows - 1, Math.ceil((scrollTop + height) / rowH) + overscan);
  // the rows in view, without the margin (their pictures load first: Thumb's margin)
  const firstSeen = Math.floor(scrollTop / rowH);
  const lastSeen = Math.ceil((scrollTop + height) / rowH) - 1;
  const from = firstRow * cols;
  const to = Math.min(total - 1, (lastRow + 1) * cols - 1);

  useEffect(() => { if (total > 0) list.ensure(from, to); }, [list, from, to, total]);
  // the first grid's gate (first-grid.ts): the tiles in view of a read list are in the page
  useEffect(() => { if (list.total !== null) gridRendered(); });

  const focused = total > 0 ? list.at(Math.min(focus, total - 1)) : undefined;
  const onFocusAsset = p.onFocusAsset;
  useEffect(() => { onFocusAsset(focused); }, [focused, onFocusAsset]);

  /** Scrolls item i into view under the current layout (columns, row height, viewport height). */
  const scrollIntoView = (i: number) => {
    const top = Math.floor(i / cols) * rowH;
    const h = scroller.current?.clientHeight ?? height;
    if (top < lastTop.current) scrollTo(top);
    else if (top + rowH > lastTop.current + h) scrollTo(top + rowH - h);
  };

  // The columns and the viewport follow the window and the panels around the view (the detail
  // panel appears once an item is focused, the jobs dock grows): the focused item, if it was in view
  // under the previous layout, stays in view under the new one. Without this, End on a folder whose
  // detail panel was not shown yet scrolled for 7 columns, then the panel made them 5 and the last
  // row sat 23,000 px below the viewport (tests/web/console.test.ts).
  const shown = useRef({ cols, rowH, height });
  useLayoutEffect(() => {
    const prev = shown.current;
    shown.current = { cols, rowH, height };
    if (total === 0 || (prev.cols === cols && prev.rowH === rowH && prev.height === height)) return;
    const f = Math.min(focus, total - 1);
    const top = Math.floor(f / prev.cols) * prev.rowH;
    if (top + prev.rowH > lastTop.current && top < lastTop.current + prev.height) scrollIntoView(f);
  });

  const selectOnly = (i: number) => {
    const a = list.at(i);
    p.onSelection(a ? { all: false, gids: new Set([a.gid]) } : emptySelection());
  };

  const extendTo = async (i: number, additive: boolean) => {
    const gids = await list.range(anchor.current, i);
    p.onSelection(withRange(selection, gids, additive));
  };

  const click = (i: number, e: MouseEvent) => {
    const a = list.at(i);
    if (!a) return;
    setFocus(i);
    if (e.shiftKey) { void extendTo(i, e.ctrlKey || e.metaKey); return; }
    anchor.current = i;
    if (e.ctrlKey || e.metaKey) p.onSelection(toggle(selection, a.gid));
    else p.onSelection({ all: false, gids: new Set([a.gid]) });
  };

  const key = (e: KeyboardEvent) => {
    if (total === 0) { if (e.key === 'Backspace' && p.onUp) { e.preventDefault(); p.onUp(); } return; }
    const mod = e.ctrlKey || e.metaKey;
    const pageRows = Math.max(1, Math.floor(height / rowH) - 1);
    const moves: Record<string, number> = {
      ArrowRight: layout === 'grid' ? 1 : 0, ArrowLeft: layout === 'grid' ? -1 : 0,
      ArrowDown: cols, ArrowUp: -cols, PageDown: pageRows * cols, PageUp: -pageRows * cols,
      Home: -Infinity, End: Infinity,
    };
    if (e.key in moves && moves[e.key] !== 0) {
      e.preventDefault();
      const n = Math.max(0, Math.min(total - 1, focus + moves[e.key]));
      if (!Number.isFinite(n)) return;
      setFocus(n);
      scrollIntoView(n);
      if (e.shiftKey) void extendTo(n, mod);
      else if (!mod) { anchor.current = n; selectOnly(n); }
      return;
    }
    const a = list.at(focus);
    switch (e.key) {
      case ' ':
        e.preventDefault();
        if (a) { anchor.current = focus; p.onSelection(mod || selection.all || selection.gids.size > 0 ? toggle(selection, a.gid) : { all: false, gids: new Set([a.gid]) }); }
        return;
      case 'Enter': if (a) { e.preventDefault(); p.onOpen(a); } return;
      case 'Escape': p.onSelection(emptySelection()); return;
      case 'Delete': if (p.onDelete && countOf(selection, total) > 0) { e.preventDefault(); p.onDelete(); } return;
      case 'F2': if (p.onRename) { e.preventDefault(); p.onRename(); } return;
      case 'Backspace': if (p.onUp) { e.preventDefault(); p.onUp(); } return;
      case 'a': case 'A':
        if (mod) { e.preventDefault(); p.onSelection(allSelection()); }
        return;
    }
  };

  const dragStart = (i: number, e: DragEvent) => {
    const a = list.at(i);
    if (!a) return;
    if (!isSelected(selection, a.gid)) { anchor.current = i; p.onSelection({ all: false, gids: new Set([a.gid]) }); }
    e.dataTransfer.setData(DRAG_TYPE, a.gid);
    e.dataTransfer.effectAllowed = 'move';
  };
  const [dropTarget, setDropTarget] = useState<string | null>(null);
  const dragOverFolder = (a: Asset, e: DragEvent) => {
    if (!p.onMoveInto || a.is_file || !e.dataTransfer.types.includes(DRAG_TYPE)) return;
    if (isSelected(selection, a.gid)) return;
    e.preventDefault();
    e.stopPropagation();
    setDropTarget(a.gid);
  };
  const dropOnFolder = (a: Asset, e: DragEvent) => {
    if (!p.onMoveInto || !e.dataTransfer.types.includes(DRAG_TYPE)) return;
    e.preventDefault();
    e.stopPropagation();
    setDropTarget(null);
    p.onMoveInto(a);
  };
  const [fileOver, setFileOver] = useState(false);
  const dragOverView = (e: DragEvent) => {
    if (!p.onDropFiles || !e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    setFileOver(true);
  };
  const dropOnView = (e: DragEvent) => {
    setFileOver(false);
    if (!p.onDropFiles || e.dataTransfer.files.length === 0) return;
    e.preventDefault();
    p.onDropFiles([...e.dataTransfer.files]);
  };

  const items = [];
  for (let i = from; i <= to; i++) {
    const a = list.at(i);
    const r = Math.floor(i / cols);
    const c = i % cols;
    const style = layout === 'grid'
      ? { top: r * rowH, left: c * tileW, width: tileW, height: rowH }
      : { top: r * rowH, left: 0, right: 0, height: rowH };
    if (!a) {
      items.push(<div key={`ph${i}`} className={`item placeholder ${layout}`} style={style} aria-hidden="true" />);
      continue;
    }
    const sel = isSelected(selection, a.gid);
    items.push(
      <div
        key={a.gid}
        id={`opt-${i}`}
        role="option"
        aria-selected={sel}
        aria-posinset={i + 1}
        aria-setsize={total}
        data-gid={a.gid}
        data-name={a.name}
        className={`item ${layout}${sel ? ' selected' : ''}${i === focus ? ' focused' : ''}${dropTarget === a.gid ? ' drop' : ''}`}
        style={style}
        draggable
        onMouseDown={(e) => { if (e.shiftKey) e.preventDefault(); }}
        onClick={(e) => click(i, e)}
        onDoubleClick={() => p.onOpen(a)}
        onDragStart={(e) => dragStart(i, e)}
        onDragOver={(e) => dragOverFolder(a, e)}
        onDragLeave={() => setDropTarget((d) => (d === a.gid ? null : d))}
        onDrop={(e) => dropOnFolder(a, e)}
      >
        {layout === 'grid' ? (
          <>
            <div className="tile-thumb"><Thumb asset={a} size="small" margin={r < firstSeen || r > lastSeen} /></div>
            <div className="tile-name" title={a.name}>{a.name}</div>
            <div className="tile-meta">{a.is_file ? size(a.info.filesize) : `${a.childcount} items`}</div>
          </>
        ) : (
          <>
            <span className="col-name"><Thumb asset={a} size="small" margin={r < firstSeen || r > lastSeen} /><span className="name-text" title={a.name}>{a.name}</span></span>
            <span className="col-type">{typeLabel(a)}</span>
            <span className="col-size">{a.is_file ? size(a.info.filesize) : `${a.childcount} items`}</span>
            <span className="col-date">{date(a.updated_on)}</span>
          </>
        )}
      </div>,
    );
  }

  return (
    <div className={`asset-view${fileOver ? ' file-over' : ''}`} onDragOver={dragOverView} onDragLeave={() => setFileOver(false)} onDrop={dropOnView}>
      {layout === 'list' && (
        <div className="list-head" aria-hidden="true">
          <span className="col-name">Name</span><span className="col-type">Type</span><span className="col-size">Size</span><span className="col-date">Modified</span>
        </div>
      )}
      <div
        ref={scroller}
        className="scroller"
        role="listbox"
        aria-label={p.label}
        aria-multiselectable="true"
        aria-activedescendant={total > 0 && focus >= from && focus <= to ? `opt-${focus}` : undefined}
        aria-busy={list.total === null}
        tabIndex={0}
        onKeyDown={key}
        onScroll={(e) => { lastTop.current = e.currentTarget.scrollTop; setScrollTop(lastTop.current); }}
      >
        <div className="sizer" style={{ height: rows * rowH }}>{items}</div>
        {list.total === 0 && !list.error && <p className="empty">{p.empty}</p>}
        {list.error && <p className="empty error-text" role="alert">{list.error}</p>}
      </div>
    </div>
  );
}
