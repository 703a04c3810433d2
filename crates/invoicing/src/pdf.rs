//! A tax invoice or credit note as an A4 PDF, with what Rule 46 of the CGST Rules asks an
//! invoice to carry: the document's number and date, the supplier's and the recipient's
//! names, addresses and GSTINs, the place of supply, and per line the description, HSN,
//! quantity, value, discount, taxable value, rate and tax; then the totals and the amount in
//! words. Lines that do not fit on a page go on to the next, under the table's heading again.
//!
//! Text is set in DejaVu Sans (it has the rupee sign that amounts are written with),
//! embedded as a subset of the glyphs the document uses. DejaVu fonts are under the
//! Bitstream Vera Fonts licence, which allows embedding and redistribution.

use std::collections::BTreeMap;

use anyhow::Context as _;
use chrono::FixedOffset;
use kernel::Money;
use kernel::gstin::state_name;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use subsetter::GlyphRemapper;

use crate::model::{DocumentKind, DocumentLine, TaxDocument};
use crate::tax;

// A4 in points.
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 36.0;
const LEFT: f32 = MARGIN;
const RIGHT: f32 = PAGE_WIDTH - MARGIN;
const TOP: f32 = PAGE_HEIGHT - MARGIN;
/// Nothing but the footer goes below this.
const BODY_BOTTOM: f32 = MARGIN + 24.0;

const TABLE_SIZE: f32 = 7.5;
const NOTE_SIZE: f32 = 6.5;
const CELL_PADDING: f32 = 3.0;
/// A description longer than this many lines is cut, with an ellipsis.
const DESCRIPTION_LINES: usize = 3;

const GREY: f32 = 0.4;
const RULE_GREY: f32 = 0.6;
const HEADING_FILL: f32 = 0.9;

/// Indian Standard Time, in which invoices are dated.
const IST_SECONDS: i32 = 5 * 3600 + 30 * 60;

/// The document as a PDF: one A4 page, or more when its lines need them.
pub fn render(document: &TaxDocument) -> anyhow::Result<Vec<u8>> {
    let mut sheet = Sheet::new()?;
    sheet.new_page();
    sheet.heading(document);
    sheet.parties(document);
    let columns = columns(document.inter_state);
    sheet.table(document, &columns);
    sheet.summary(document);
    sheet.footers(document);
    sheet.into_pdf(document)
}

/// `18%`, `9%`, `2.5%` ([`tax::rate_percent`] with its sign).
fn percent(rate_bps: u32, parts: u32) -> String {
    format!("{}%", tax::rate_percent(rate_bps, parts))
}

/// `Karnataka (29)`.
fn state_with_code(code: u8) -> String {
    match state_name(code) {
        Some(name) => format!("{name} ({code:02})"),
        None => format!("State code {code:02}"),
    }
}

fn issued_on(document: &TaxDocument) -> String {
    let ist = FixedOffset::east_opt(IST_SECONDS).expect("IST is a valid offset");
    document.issued_at.with_timezone(&ist).format("%d-%m-%Y").to_string()
}

fn kind_title(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Invoice => "Tax Invoice",
        DocumentKind::CreditNote => "Credit Note",
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Weight {
    Regular,
    Bold,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// A TrueType face, the glyphs the document has used from it (renumbered for the subset),
/// and the characters they stand for (so that text can be copied and searched).
struct Font {
    data: &'static [u8],
    face: ttf_parser::Face<'static>,
    base_name: &'static str,
    resource: &'static [u8],
    glyphs: GlyphRemapper,
    characters: BTreeMap<u16, char>,
}

impl Font {
    fn load(data: &'static [u8], base_name: &'static str, resource: &'static [u8]) -> anyhow::Result<Font> {
        let face = ttf_parser::Face::parse(data, 0).with_context(|| format!("reading the font {base_name}"))?;
        Ok(Font { data, face, base_name, resource, glyphs: GlyphRemapper::new(), characters: BTreeMap::new() })
    }

    fn glyph(&self, character: char) -> ttf_parser::GlyphId {
        self.face.glyph_index(character).unwrap_or(ttf_parser::GlyphId(0))
    }

    /// In thousandths of the font size, as PDF widths are given.
    fn advance(&self, glyph: ttf_parser::GlyphId) -> f32 {
        let units = self.face.glyph_hor_advance(glyph).unwrap_or(0);
        f32::from(units) * 1000.0 / f32::from(self.face.units_per_em())
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|character| self.advance(self.glyph(character))).sum::<f32>() * size / 1000.0
    }

    /// The text as the subset's glyph numbers, two bytes each (Identity-H).
    fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut encoded = Vec::with_capacity(text.len() * 2);
        for character in text.chars() {
            let glyph = self.glyphs.remap(self.glyph(character).0);
            self.characters.entry(glyph).or_insert(character);
            encoded.extend_from_slice(&glyph.to_be_bytes());
        }
        encoded
    }
}

/// One column of the lines' table.
struct Column {
    title: &'static str,
    width: f32,
    align: Align,
}

/// The description takes what the other columns leave.
fn columns(inter_state: bool) -> Vec<Column> {
    let column = |title, width, align| Column { title, width, align };
    let mut fixed = vec![
        column("#", 16.0, Align::Right),
        column("Description", 0.0, Align::Left),
        column("HSN", 46.0, Align::Left),
        column("Qty", 24.0, Align::Right),
        column("Unit price", 58.0, Align::Right),
        column("Discount", 52.0, Align::Right),
        column("Taxable value", 62.0, Align::Right),
        column("Rate", 30.0, Align::Right),
    ];
    if inter_state {
        fixed.push(column("IGST", 62.0, Align::Right));
    } else {
        fixed.push(column("CGST", 54.0, Align::Right));
        fixed.push(column("SGST", 54.0, Align::Right));
    }
    let taken: f32 = fixed.iter().map(|column| column.width).sum();
    fixed[1].width = RIGHT - LEFT - taken;
    fixed
}

/// A line of text in a table cell: the main text, or a smaller grey note under it.
struct CellLine {
    text: String,
    note: bool,
}

impl CellLine {
    fn height(&self) -> f32 {
        if self.note { NOTE_SIZE + 2.0 } else { TABLE_SIZE + 2.5 }
    }
}

type Cell = Vec<CellLine>;

fn main_line(text: impl Into<String>) -> CellLine {
    CellLine { text: text.into(), note: false }
}

fn note_line(text: impl Into<String>) -> CellLine {
    CellLine { text: text.into(), note: true }
}

/// The pages being laid out, top to bottom, with the fonts they use.
struct Sheet {
    regular: Font,
    bold: Font,
    pages: Vec<Content>,
    /// Where the next thing goes on the current page.
    y: f32,
}

impl Sheet {
    fn new() -> anyhow::Result<Sheet> {
        Ok(Sheet {
            regular: Font::load(dejavu::sans::regular(), "DejaVuSans", b"F1")?,
            bold: Font::load(dejavu::sans::bold(), "DejaVuSans-Bold", b"F2")?,
            pages: Vec::new(),
            y: TOP,
        })
    }

    fn font(&self, weight: Weight) -> &Font {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    fn width(&self, weight: Weight, size: f32, text: &str) -> f32 {
        self.font(weight).width(text, size)
    }

    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = TOP;
    }

    fn page(&mut self) -> &mut Content {
        self.pages.last_mut().expect("a page is started before anything is drawn")
    }

    /// Text with its baseline at `y`, starting at `x` (or ending there, right-aligned).
    fn text(&mut self, weight: Weight, size: f32, grey: f32, (x, y): (f32, f32), align: Align, text: &str) {
        if text.is_empty() {
            return;
        }
        let x = match align {
            Align::Left => x,
            Align::Right => x - self.width(weight, size, text),
        };
        let font = match weight {
            Weight::Regular => &mut self.regular,
            Weight::Bold => &mut self.bold,
        };
        let resource = font.resource;
        let encoded = font.encode(text);
        self.page()
            .begin_text()
            .set_fill_gray(grey)
            .set_font(Name(resource), size)
            .set_text_matrix([1.0, 0.0, 0.0, 1.0, x, y])
            .show(Str(&encoded))
            .end_text();
    }

    /// Text that must stay on one line within `width`: set smaller when it would not fit.
    fn fitted_text(&mut self, weight: Weight, size: f32, at: (f32, f32), align: Align, width: f32, text: &str) {
        let natural = self.width(weight, size, text);
        let size = if natural > width { (size * width / natural).max(4.0) } else { size };
        self.text(weight, size, 0.0, at, align, text);
    }

    fn rule(&mut self, from: f32, to: f32, y: f32, width: f32) {
        self.page().set_stroke_gray(RULE_GREY).set_line_width(width).move_to(from, y).line_to(to, y).stroke();
    }

    fn shade(&mut self, x: f32, y: f32, width: f32, height: f32) {
        self.page().set_fill_gray(HEADING_FILL).rect(x, y, width, height).fill_nonzero().set_fill_gray(0.0);
    }

    /// The text broken into lines no wider than `width`, at word boundaries where it can
    /// be (a word too long for a line is broken where it must); past `max_lines`, the last
    /// line kept ends in an ellipsis.
    fn wrap(&self, weight: Weight, size: f32, text: &str, width: f32, max_lines: usize) -> Vec<String> {
        let fits = |candidate: &str| self.width(weight, size, candidate) <= width;
        let mut lines = Vec::new();
        let mut current = String::new();
        for word in text.split_whitespace() {
            let joined = if current.is_empty() { word.to_owned() } else { format!("{current} {word}") };
            if fits(&joined) {
                current = joined;
                continue;
            }
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            for character in word.chars() {
                current.push(character);
                if !fits(&current) && current.chars().count() > 1 {
                    current.pop();
                    lines.push(std::mem::replace(&mut current, character.to_string()));
                }
            }
        }
        if !current.is_empty() {
            lines.push(current);
        }
        if lines.len() > max_lines {
            lines.truncate(max_lines);
            let last = lines.last_mut().expect("max_lines is at least one");
            while !last.is_empty() && !fits(&format!("{last}…")) {
                last.pop();
            }
            let kept = last.trim_end().len();
            last.truncate(kept);
            last.push('…');
        }
        lines
    }

    /// The title, and the document's number, date and order (a credit note's invoice and
    /// reason too) on the right.
    fn heading(&mut self, document: &TaxDocument) {
        self.text(Weight::Bold, 18.0, 0.0, (LEFT, TOP - 18.0), Align::Left, kind_title(document.kind));
        let supply = if document.inter_state { "Inter-state supply: IGST" } else { "Intra-state supply: CGST + SGST" };
        self.text(Weight::Regular, 8.0, GREY, (LEFT, TOP - 32.0), Align::Left, supply);

        let mut facts: Vec<(&str, String)> = Vec::new();
        match document.kind {
            DocumentKind::Invoice => facts.push(("Invoice no.", document.number.clone())),
            DocumentKind::CreditNote => {
                facts.push(("Credit note no.", document.number.clone()));
                let invoice = document.invoice_number.clone().unwrap_or_else(|| "—".to_owned());
                facts.push(("Against invoice", invoice));
            }
        }
        facts.push(("Date", issued_on(document)));
        if let Some(reason) = document.reason {
            facts.push(("Reason", reason.describe().to_owned()));
        }
        facts.push(("Order", document.order_number.clone()));

        let (label_x, value_x) = (RIGHT - 230.0, RIGHT - 150.0);
        let mut y = TOP - 8.0;
        for (label, value) in facts {
            self.text(Weight::Regular, 8.5, GREY, (label_x, y), Align::Left, label);
            for line in self.wrap(Weight::Bold, 8.5, &value, RIGHT - value_x, 2) {
                self.text(Weight::Bold, 8.5, 0.0, (value_x, y), Align::Left, &line);
                y -= 11.0;
            }
        }
        self.y = y.min(TOP - 40.0) - 6.0;
        self.rule(LEFT, RIGHT, self.y, 0.8);
        self.y -= 14.0;
    }

    /// The seller on the left, the buyer on the right, then the place of supply.
    fn parties(&mut self, document: &TaxDocument) {
        let half = (RIGHT - LEFT - 20.0) / 2.0;
        let seller = &document.seller;
        let mut seller_lines = vec![(Weight::Bold, seller.legal_name.clone())];
        seller_lines.extend(self.wrapped_block(&seller.address, half));
        seller_lines.push((Weight::Regular, format!("GSTIN: {}", seller.gstin)));
        seller_lines.push((Weight::Regular, format!("State: {}", state_with_code(seller.state_code))));

        let buyer = &document.buyer;
        let mut buyer_lines = vec![(Weight::Bold, buyer.name.clone())];
        if let Some(legal_name) = &buyer.legal_name {
            buyer_lines.push((Weight::Regular, format!("Legal name: {legal_name}")));
        }
        if let Some(gstin) = &buyer.gstin {
            buyer_lines.push((Weight::Regular, format!("GSTIN: {gstin}")));
        }
        if let Some(address) = &buyer.address {
            buyer_lines.extend(self.wrapped_block(address, half));
        }
        if let Some(code) = buyer.state_code {
            buyer_lines.push((Weight::Regular, format!("State: {}", state_with_code(code))));
        }

        let top = self.y;
        let seller_bottom = self.party(LEFT, top, "Seller", seller_lines, half);
        let buyer_bottom = self.party(LEFT + half + 20.0, top, "Buyer (billed to)", buyer_lines, half);
        self.y = seller_bottom.min(buyer_bottom) - 4.0;
        let place = format!("Place of supply: {}", state_with_code(document.place_of_supply));
        self.text(Weight::Bold, 9.0, 0.0, (LEFT, self.y), Align::Left, &place);
        self.y -= 16.0;
    }

    fn wrapped_block(&self, text: &str, width: f32) -> Vec<(Weight, String)> {
        self.wrap(Weight::Regular, 8.5, text, width, 4).into_iter().map(|line| (Weight::Regular, line)).collect()
    }

    /// One party's block; the y below it.
    fn party(&mut self, x: f32, top: f32, heading: &str, lines: Vec<(Weight, String)>, width: f32) -> f32 {
        self.text(Weight::Bold, 7.5, GREY, (x, top), Align::Left, &heading.to_uppercase());
        let mut y = top - 13.0;
        for (weight, line) in lines {
            let size = if weight == Weight::Bold { 10.0 } else { 8.5 };
            for piece in self.wrap(weight, size, &line, width, 2) {
                self.text(weight, size, 0.0, (x, y), Align::Left, &piece);
                y -= size + 3.0;
            }
        }
        y
    }

    /// The lines, and their totals, across as many pages as they need.
    fn table(&mut self, document: &TaxDocument, columns: &[Column]) {
        self.table_heading(columns);
        for line in &document.lines {
            let cells = self.line_cells(line, columns, document.inter_state);
            self.row(columns, &cells, Weight::Regular, document);
        }
        let totals = &document.totals;
        let discount = document.lines.iter().map(|line| line.discount.paise()).sum::<i64>();
        let mut cells: Vec<Cell> = vec![Vec::new(), vec![main_line("Total")], Vec::new(), Vec::new(), Vec::new()];
        cells.push(vec![main_line(Money::from_paise(discount).to_string())]);
        cells.push(vec![main_line(totals.taxable_value.to_string())]);
        cells.push(Vec::new());
        if document.inter_state {
            cells.push(vec![main_line(totals.igst.to_string())]);
        } else {
            cells.push(vec![main_line(totals.cgst.to_string())]);
            cells.push(vec![main_line(totals.sgst.to_string())]);
        }
        self.row(columns, &cells, Weight::Bold, document);
        self.rule(LEFT, RIGHT, self.y, 0.8);
        self.y -= 14.0;
    }

    fn table_heading(&mut self, columns: &[Column]) {
        let titles: Vec<Vec<String>> = columns
            .iter()
            .map(|column| self.wrap(Weight::Bold, TABLE_SIZE, column.title, column.width - 2.0 * CELL_PADDING, 2))
            .collect();
        let rows = titles.iter().map(Vec::len).max().unwrap_or(1) as f32;
        let height = rows * (TABLE_SIZE + 2.5) + 2.0 * CELL_PADDING;
        self.shade(LEFT, self.y - height, RIGHT - LEFT, height);
        let mut x = LEFT;
        for (column, title) in columns.iter().zip(titles) {
            let mut y = self.y - CELL_PADDING - TABLE_SIZE;
            for line in title {
                let at = match column.align {
                    Align::Left => x + CELL_PADDING,
                    Align::Right => x + column.width - CELL_PADDING,
                };
                self.text(Weight::Bold, TABLE_SIZE, 0.0, (at, y), column.align, &line);
                y -= TABLE_SIZE + 2.5;
            }
            x += column.width;
        }
        self.y -= height;
    }

    fn line_cells(&self, line: &DocumentLine, columns: &[Column], inter_state: bool) -> Vec<Cell> {
        let description_width = columns[1].width - 2.0 * CELL_PADDING;
        let mut description: Cell = self
            .wrap(Weight::Regular, TABLE_SIZE, &line.description, description_width, DESCRIPTION_LINES)
            .into_iter()
            .map(main_line)
            .collect();
        let sku = self.wrap(Weight::Regular, NOTE_SIZE, &format!("SKU {}", line.sku), description_width, 1);
        description.extend(sku.into_iter().map(note_line));
        let quantity = line.quantity.map_or_else(|| "—".to_owned(), |quantity| quantity.to_string());
        let mut cells = vec![
            vec![main_line(line.line.to_string())],
            description,
            vec![main_line(line.hsn_code.clone().unwrap_or_else(|| "—".to_owned()))],
            vec![main_line(quantity)],
            vec![main_line(line.unit_price.to_string())],
            vec![main_line(line.discount.to_string())],
            vec![main_line(line.taxable_value.to_string())],
            vec![main_line(percent(line.rate_bps, 1))],
        ];
        if inter_state {
            cells.push(vec![main_line(line.igst.to_string()), note_line(format!("@ {}", percent(line.rate_bps, 1)))]);
        } else {
            let half = percent(line.rate_bps, 2);
            cells.push(vec![main_line(line.cgst.to_string()), note_line(format!("@ {half}"))]);
            cells.push(vec![main_line(line.sgst.to_string()), note_line(format!("@ {half}"))]);
        }
        cells
    }

    /// One row of the table, on a new page (under the table's heading again) when it does
    /// not fit on this one.
    fn row(&mut self, columns: &[Column], cells: &[Cell], weight: Weight, document: &TaxDocument) {
        let lines_height = |cell: &Cell| cell.iter().map(CellLine::height).sum::<f32>();
        let height = cells.iter().map(lines_height).fold(0.0, f32::max) + 2.0 * CELL_PADDING;
        if self.y - height < BODY_BOTTOM {
            self.continued_page(document);
            self.table_heading(columns);
        }
        let mut x = LEFT;
        for (column, cell) in columns.iter().zip(cells) {
            let mut y = self.y - CELL_PADDING;
            let inner = column.width - 2.0 * CELL_PADDING;
            let at = match column.align {
                Align::Left => x + CELL_PADDING,
                Align::Right => x + column.width - CELL_PADDING,
            };
            for line in cell {
                y -= line.height();
                let baseline = y + 2.0;
                if line.note {
                    self.text(Weight::Regular, NOTE_SIZE, GREY, (at, baseline), column.align, &line.text);
                } else {
                    self.fitted_text(weight, TABLE_SIZE, (at, baseline), column.align, inner, &line.text);
                }
            }
            x += column.width;
        }
        self.y -= height;
        self.rule(LEFT, RIGHT, self.y, 0.3);
    }

    /// A further page, headed with the document's title and number.
    fn continued_page(&mut self, document: &TaxDocument) {
        self.new_page();
        let heading = format!("{} {} (continued)", kind_title(document.kind), document.number);
        self.text(Weight::Bold, 10.0, 0.0, (LEFT, TOP - 10.0), Align::Left, &heading);
        self.y = TOP - 22.0;
    }

    /// The tax summary on the right, then the amount in words.
    fn summary(&mut self, document: &TaxDocument) {
        let totals = &document.totals;
        let mut rows = vec![(Weight::Regular, "Total taxable value", totals.taxable_value)];
        if document.inter_state {
            rows.push((Weight::Regular, "IGST", totals.igst));
        } else {
            rows.push((Weight::Regular, "CGST", totals.cgst));
            rows.push((Weight::Regular, "SGST", totals.sgst));
        }
        rows.push((Weight::Bold, "Grand total", totals.total));

        let words = format!("Amount in words: {}", document.amount_in_words());
        let word_lines = self.wrap(Weight::Regular, 9.0, &words, RIGHT - LEFT, 4);
        let height = rows.len() as f32 * 14.0 + 8.0 + word_lines.len() as f32 * 12.0;
        if self.y - height < BODY_BOTTOM {
            self.continued_page(document);
        }
        let label_x = RIGHT - 230.0;
        for (weight, label, amount) in rows {
            let size = if weight == Weight::Bold { 10.5 } else { 9.0 };
            if weight == Weight::Bold {
                self.rule(label_x, RIGHT, self.y + size + 1.0, 0.6);
                self.y -= 3.0;
            }
            self.text(weight, size, 0.0, (label_x, self.y), Align::Left, label);
            self.text(weight, size, 0.0, (RIGHT, self.y), Align::Right, &amount.to_string());
            self.y -= 14.0;
        }
        self.y -= 8.0;
        for line in word_lines {
            self.text(Weight::Regular, 9.0, 0.0, (LEFT, self.y), Align::Left, &line);
            self.y -= 12.0;
        }
    }

    /// On every page: that the document is computer-generated, and which page of how many.
    fn footers(&mut self, document: &TaxDocument) {
        let note = match document.kind {
            DocumentKind::Invoice => "This is a computer-generated invoice.",
            DocumentKind::CreditNote => "This is a computer-generated credit note.",
        };
        let count = self.pages.len();
        for index in 0..count {
            let y = MARGIN;
            self.rule_on(index, y + 10.0);
            self.text_on(index, Weight::Regular, (LEFT, y), Align::Left, note);
            let number = format!("Page {} of {count}", index + 1);
            self.text_on(index, Weight::Regular, (RIGHT, y), Align::Right, &number);
        }
    }

    /// Draws on an earlier page by making it the last for a moment.
    fn on_page(&mut self, index: usize, draw: impl FnOnce(&mut Sheet)) {
        let last = self.pages.len() - 1;
        self.pages.swap(index, last);
        draw(self);
        self.pages.swap(index, last);
    }

    fn rule_on(&mut self, index: usize, y: f32) {
        self.on_page(index, |sheet| sheet.rule(LEFT, RIGHT, y, 0.5));
    }

    fn text_on(&mut self, index: usize, weight: Weight, at: (f32, f32), align: Align, text: &str) {
        self.on_page(index, |sheet| sheet.text(weight, 7.5, GREY, at, align, text));
    }

    /// The pages, the two fonts as subsets with their widths and a ToUnicode map each.
    fn into_pdf(self, document: &TaxDocument) -> anyhow::Result<Vec<u8>> {
        let mut next = 1;
        let mut reserve = || {
            let id = Ref::new(next);
            next += 1;
            id
        };
        let catalog = reserve();
        let tree = reserve();
        let info = reserve();
        let fonts = [(&self.regular, reserve()), (&self.bold, reserve())];
        let page_ids: Vec<(Ref, Ref)> = self.pages.iter().map(|_| (reserve(), reserve())).collect();

        let mut pdf = Pdf::new();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree).kids(page_ids.iter().map(|(page, _)| *page)).count(page_ids.len() as i32);
        let title = format!("{} {}", kind_title(document.kind), document.number);
        pdf.document_info(info).title(TextStr(&title)).producer(TextStr("RigMaster Commerce"));

        for (content, (page_id, content_id)) in self.pages.into_iter().zip(&page_ids) {
            let mut page = pdf.page(*page_id);
            page.parent(tree).media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT)).contents(*content_id);
            let mut resources = page.resources();
            let mut font_names = resources.fonts();
            for (font, id) in &fonts {
                font_names.pair(Name(font.resource), *id);
            }
            font_names.finish();
            resources.finish();
            page.finish();
            pdf.stream(*content_id, &content.finish());
        }
        for (font, id) in fonts {
            let ids = [reserve(), reserve(), reserve(), reserve()];
            embed(&mut pdf, font, id, ids)?;
        }
        Ok(pdf.finish())
    }
}

/// A Type 0 font over a CID-keyed TrueType subset (the subset's glyph numbers are its CIDs).
fn embed(
    pdf: &mut Pdf,
    font: &Font,
    id: Ref,
    [cid_id, descriptor_id, file_id, cmap_id]: [Ref; 4],
) -> anyhow::Result<()> {
    let subset = subsetter::subset(font.data, 0, &font.glyphs)
        .map_err(|error| anyhow::anyhow!("subsetting {}: {error:?}", font.base_name))?;
    // A subset's name is its font's behind six capital letters (ISO 32000, 9.6.4).
    let base_name = format!("{}+{}", subset_tag(font), font.base_name);
    let system_info = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };

    pdf.type0_font(id)
        .base_font(Name(base_name.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_id)
        .to_unicode(cmap_id);

    let widths: Vec<f32> = font.glyphs.remapped_gids().map(|old| font.advance(ttf_parser::GlyphId(old))).collect();
    let mut cid = pdf.cid_font(cid_id);
    cid.subtype(CidFontType::Type2)
        .base_font(Name(base_name.as_bytes()))
        .system_info(system_info)
        .font_descriptor(descriptor_id)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cid.widths().consecutive(0, widths);
    cid.finish();

    let face = &font.face;
    let scale = |units: i16| f32::from(units) * 1000.0 / f32::from(face.units_per_em());
    let bbox = face.global_bounding_box();
    pdf.font_descriptor(descriptor_id)
        .name(Name(base_name.as_bytes()))
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(scale(bbox.x_min), scale(bbox.y_min), scale(bbox.x_max), scale(bbox.y_max)))
        .italic_angle(0.0)
        .ascent(scale(face.ascender()))
        .descent(scale(face.descender()))
        .cap_height(scale(face.capital_height().unwrap_or(face.ascender())))
        .stem_v(if font.resource == b"F2" { 140.0 } else { 80.0 })
        .font_file2(file_id);
    pdf.stream(file_id, &subset).pair(Name(b"Length1"), subset.len() as i32);

    let mut cmap = UnicodeCmap::new(Name(b"Custom"), system_info);
    for (glyph, character) in &font.characters {
        cmap.pair(*glyph, *character);
    }
    pdf.cmap(cmap_id, &cmap.finish());
    Ok(())
}

/// Six capital letters that differ with the glyphs kept.
fn subset_tag(font: &Font) -> String {
    let mut hash: u32 = 2_166_136_261;
    for glyph in font.glyphs.remapped_gids() {
        for byte in glyph.to_be_bytes() {
            hash = (hash ^ u32::from(byte)).wrapping_mul(16_777_619);
        }
    }
    (0..6)
        .map(|_| {
            let letter = char::from(b'A' + (hash % 26) as u8);
            hash /= 26;
            letter
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_written_as_percentages_without_trailing_zeros() {
        assert_eq!(percent(1800, 1), "18%");
        assert_eq!(percent(1800, 2), "9%");
        assert_eq!(percent(250, 1), "2.5%");
        assert_eq!(percent(250, 2), "1.25%");
        assert_eq!(percent(25, 2), "0.125%");
        assert_eq!(percent(0, 2), "0%");
    }

    #[test]
    fn the_embedded_font_has_the_rupee_sign() {
        let sheet = Sheet::new().unwrap();
        assert!(sheet.regular.face.glyph_index('₹').is_some());
        assert!(sheet.bold.face.glyph_index('₹').is_some());
    }

    #[test]
    fn a_long_description_is_cut_with_an_ellipsis_within_its_width() {
        let sheet = Sheet::new().unwrap();
        let text = "Liquid cooler with a 360 mm radiator and three addressable RGB fans ".repeat(5);
        let lines = sheet.wrap(Weight::Regular, TABLE_SIZE, &text, 120.0, 3);
        assert_eq!(lines.len(), 3);
        assert!(lines[2].ends_with('…'));
        assert!(lines.iter().all(|line| sheet.width(Weight::Regular, TABLE_SIZE, line) <= 120.0));
    }
}
