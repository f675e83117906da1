// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// A paint device that keeps the text painted on it: what a PNG export would rasterise, as text, so
// a test can check what a picture says (redaction) without reading pixels.
#include <QPaintDevice>
#include <QPaintEngine>
#include <QStringList>

namespace nsviz::testutil
{

class TextRecorder : public QPaintDevice
{
public:
    explicit TextRecorder(QSize size = QSize(4000, 20000)) : m_engine(this), m_size(size) {}
    QPaintEngine *paintEngine() const override { return const_cast<Engine *>(&m_engine); }
    /// Every piece of text drawn, in order.
    const QStringList &texts() const { return m_texts; }
    QString all() const { return m_texts.join(QLatin1Char('\n')); }

protected:
    int metric(PaintDeviceMetric m) const override
    {
        switch (m) {
        case PdmWidth:
            return m_size.width();
        case PdmHeight:
            return m_size.height();
        case PdmWidthMM:
            return m_size.width() * 254 / 960;
        case PdmHeightMM:
            return m_size.height() * 254 / 960;
        case PdmNumColors:
            return 0x7fffffff;
        case PdmDepth:
            return 32;
        case PdmDpiX:
        case PdmDpiY:
        case PdmPhysicalDpiX:
        case PdmPhysicalDpiY:
            return 96;
        case PdmDevicePixelRatio:
            return 1;
        case PdmDevicePixelRatioScaled:
            return 1 * QPaintDevice::devicePixelRatioFScale();
        default:
            return 0;
        }
    }

private:
    class Engine : public QPaintEngine
    {
    public:
        explicit Engine(TextRecorder *owner) : QPaintEngine(QPaintEngine::AllFeatures), m_owner(owner) {}
        bool begin(QPaintDevice *) override { return true; }
        bool end() override { return true; }
        void updateState(const QPaintEngineState &) override {}
        void drawPixmap(const QRectF &, const QPixmap &, const QRectF &) override {}
        // Shapes are not what this device records.
        void drawPath(const QPainterPath &) override {}
        void drawPolygon(const QPointF *, int, PolygonDrawMode) override {}
        void drawRects(const QRectF *, int) override {}
        void drawLines(const QLineF *, int) override {}
        void drawEllipse(const QRectF &) override {}
        void drawImage(const QRectF &, const QImage &, const QRectF &, Qt::ImageConversionFlags) override {}
        void drawPolygon(const QPoint *, int, PolygonDrawMode) override {}
        void drawRects(const QRect *, int) override {}
        void drawLines(const QLine *, int) override {}
        void drawEllipse(const QRect &) override {}
        void drawPoints(const QPointF *, int) override {}
        void drawPoints(const QPoint *, int) override {}
        void drawTiledPixmap(const QRectF &, const QPixmap &, const QPointF &) override {}
        void drawTextItem(const QPointF &, const QTextItem &item) override
        {
            m_owner->m_texts << item.text();
        }
        Type type() const override { return QPaintEngine::User; }

    private:
        TextRecorder *m_owner;
    };
    friend class Engine;
    Engine m_engine;
    QSize m_size;
    QStringList m_texts;
};

} // namespace nsviz::testutil
