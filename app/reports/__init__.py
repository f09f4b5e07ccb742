"""The hall's reports (统计报表): figures of cases, ratings and attendance over a period, compared with
the previous period, with a monthly trend; exported as Excel, as a landscape PDF with charts, and as
the monthly 通报 in the papers' layout. Qt-free; everything runs on a worker thread."""
