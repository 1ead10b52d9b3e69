// Loads Shopfleet's demo catalog into an empty Medusa store, for bench/medusa.sh:
//
//   medusa exec ./src/scripts/seed.js <catalog.json> <out.json>
//
// <catalog.json> is what bench/medusa.sh exports from a Shopfleet database seeded with
// `shopfleet-api seed-demo` (categories, then products with their variants, stock and
// attributes); <out.json> receives what the goose scenarios need (the publishable key, the
// region, the category ids of the category filter).
//
// Besides the catalog it sets up what a Medusa store needs to sell in EUR like the demo
// shop: one sales channel (with the publishable key), a EUR region for Germany with 19 %
// VAT included in prices (the demo shop's Germany zone), a stock location holding the demo
// stock, and a flat EUR 4.95 standard shipping option (the demo shop's standard rate under
// its free-shipping threshold). Payments use Medusa's system provider `pp_system_default`.
import * as fs from "fs"
import type { ExecArgs } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, Modules, ProductStatus } from "@medusajs/framework/utils"
import {
  createApiKeysWorkflow,
  createInventoryLevelsWorkflow,
  createProductCategoriesWorkflow,
  createProductsWorkflow,
  createRegionsWorkflow,
  createSalesChannelsWorkflow,
  createShippingOptionsWorkflow,
  createShippingProfilesWorkflow,
  createStockLocationsWorkflow,
  createTaxRegionsWorkflow,
  linkSalesChannelsToApiKeyWorkflow,
  linkSalesChannelsToStockLocationWorkflow,
  updateStoresWorkflow,
} from "@medusajs/medusa/core-flows"

type DemoCategory = { slug: string; name: string; parent: string | null }
type DemoVariant = {
  sku: string
  price_minor: number
  currency: string
  on_hand: number
  options: Record<string, string>
}
type DemoProduct = {
  title: string
  handle: string
  description: string
  status: string
  category: string | null
  attributes: Record<string, string>
  variants: DemoVariant[]
}
type DemoCatalog = { categories: DemoCategory[]; products: DemoProduct[] }

/// Products per createProductsWorkflow run: large enough to be quick, small enough that one
/// run's transaction stays modest.
const BATCH = 100

const title = (key: string) => key.charAt(0).toUpperCase() + key.slice(1)

export default async function seedShopfleetCatalog({ container, args }: ExecArgs) {
  const [catalogPath, outPath] = args
  if (!catalogPath || !outPath) {
    throw new Error("usage: medusa exec ./src/scripts/seed.js <catalog.json> <out.json>")
  }
  const catalog: DemoCatalog = JSON.parse(fs.readFileSync(catalogPath, "utf8"))
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const link = container.resolve(ContainerRegistrationKeys.LINK)
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const storeModule = container.resolve(Modules.STORE)
  const fulfillmentModule = container.resolve(Modules.FULFILLMENT)

  const existing = await query.graph({ entity: "product", fields: ["id"], pagination: { take: 1 } })
  if (existing.data.length) {
    throw new Error("the Medusa database already has products; bench/medusa.sh seeds a fresh one")
  }

  logger.info("Shopfleet seed: sales channel, store, region, taxes")
  const {
    result: [channel],
  } = await createSalesChannelsWorkflow(container).run({
    input: { salesChannelsData: [{ name: "Shopfleet demo catalog" }] },
  })
  const [store] = await storeModule.listStores()
  await updateStoresWorkflow(container).run({
    input: {
      selector: { id: store.id },
      update: {
        // Prices include VAT, as in the demo shop (updateStoresWorkflow turns this into the
        // currency's price preference; the input type does not list the field).
        supported_currencies: [
          { currency_code: "eur", is_default: true, is_tax_inclusive: true } as { currency_code: string; is_default: boolean },
        ],
        default_sales_channel_id: channel.id,
      },
    },
  })
  const {
    result: [region],
  } = await createRegionsWorkflow(container).run({
    input: {
      regions: [
        {
          name: "Germany",
          currency_code: "eur",
          countries: ["de"],
          payment_providers: ["pp_system_default"],
          automatic_taxes: true,
          is_tax_inclusive: true,
        },
      ],
    },
  })
  await createTaxRegionsWorkflow(container).run({
    input: [
      {
        country_code: "de",
        provider_id: "tp_system",
        default_tax_rate: { rate: 19, code: "DE-VAT", name: "German VAT" },
      },
    ],
  })

  logger.info("Shopfleet seed: stock location, fulfillment, shipping")
  const {
    result: [location],
  } = await createStockLocationsWorkflow(container).run({
    input: {
      locations: [{ name: "Shopfleet demo warehouse", address: { city: "Berlin", country_code: "DE", address_1: "" } }],
    },
  })
  await updateStoresWorkflow(container).run({
    input: { selector: { id: store.id }, update: { default_location_id: location.id } },
  })
  await linkSalesChannelsToStockLocationWorkflow(container).run({
    input: { id: location.id, add: [channel.id] },
  })
  await link.create({
    [Modules.STOCK_LOCATION]: { stock_location_id: location.id },
    [Modules.FULFILLMENT]: { fulfillment_provider_id: "manual_manual" },
  })
  const {
    result: [profile],
  } = await createShippingProfilesWorkflow(container).run({
    input: { data: [{ name: "Default", type: "default" }] },
  })
  const fulfillmentSet = await fulfillmentModule.createFulfillmentSets({
    name: "Germany delivery",
    type: "shipping",
    service_zones: [{ name: "Germany", geo_zones: [{ country_code: "de", type: "country" }] }],
  })
  await link.create({
    [Modules.STOCK_LOCATION]: { stock_location_id: location.id },
    [Modules.FULFILLMENT]: { fulfillment_set_id: fulfillmentSet.id },
  })
  await createShippingOptionsWorkflow(container).run({
    input: [
      {
        name: "Standard",
        price_type: "flat",
        provider_id: "manual_manual",
        service_zone_id: fulfillmentSet.service_zones[0].id,
        shipping_profile_id: profile.id,
        type: { label: "Standard", description: "2–4 working days", code: "standard" },
        prices: [
          { currency_code: "eur", amount: 4.95 },
          { region_id: region.id, amount: 4.95 },
        ],
        rules: [
          { attribute: "enabled_in_store", value: "true", operator: "eq" },
          { attribute: "is_return", value: "false", operator: "eq" },
        ],
      },
    ],
  })

  logger.info("Shopfleet seed: publishable API key")
  const {
    result: [apiKey],
  } = await createApiKeysWorkflow(container).run({
    input: { api_keys: [{ title: "Shopfleet bench", type: "publishable", created_by: "" }] },
  })
  await linkSalesChannelsToApiKeyWorkflow(container).run({
    input: { id: apiKey.id, add: [channel.id] },
  })

  logger.info(`Shopfleet seed: ${catalog.categories.length} categories`)
  const categoryIds: Record<string, string> = {}
  // Parents first (the export orders categories by path), so each child finds its parent.
  for (const category of catalog.categories) {
    const {
      result: [created],
    } = await createProductCategoriesWorkflow(container).run({
      input: {
        product_categories: [
          {
            name: category.name,
            handle: category.slug,
            is_active: true,
            is_internal: false,
            parent_category_id: category.parent ? categoryIds[category.parent] : null,
          },
        ],
      },
    })
    categoryIds[category.slug] = created.id
  }

  logger.info(`Shopfleet seed: ${catalog.products.length} products`)
  const started = Date.now()
  for (let start = 0; start < catalog.products.length; start += BATCH) {
    const batch = catalog.products.slice(start, start + BATCH)
    await createProductsWorkflow(container).run({
      input: {
        products: batch.map((product) => {
          // Option titles from the variants' option keys ("size", "colour"), in order seen.
          const values = new Map<string, string[]>()
          for (const variant of product.variants) {
            for (const [key, value] of Object.entries(variant.options)) {
              const list = values.get(key) ?? []
              if (!list.includes(value)) list.push(value)
              values.set(key, list)
            }
          }
          return {
            title: product.title,
            handle: product.handle,
            description: product.description,
            status: product.status as ProductStatus,
            material: product.attributes.material ?? null,
            metadata: product.attributes,
            category_ids: product.category ? [categoryIds[product.category]] : [],
            shipping_profile_id: profile.id,
            sales_channels: [{ id: channel.id }],
            options: [...values].map(([key, list]) => ({ title: title(key), values: list })),
            variants: product.variants.map((variant) => ({
              title: Object.values(variant.options).join(" / "),
              sku: variant.sku,
              manage_inventory: true,
              options: Object.fromEntries(Object.entries(variant.options).map(([k, v]) => [title(k), v])),
              prices: [{ amount: variant.price_minor / 100, currency_code: variant.currency.toLowerCase() }],
            })),
          }
        }),
      },
    })
    // Stock: createProductsWorkflow made one inventory item per variant (by SKU); give each
    // its demo on-hand quantity at the one location.
    const stock = new Map(batch.flatMap((product) => product.variants.map((v) => [v.sku, v.on_hand] as const)))
    const { data: items } = await query.graph({
      entity: "inventory_item",
      fields: ["id", "sku"],
      filters: { sku: [...stock.keys()] },
    })
    await createInventoryLevelsWorkflow(container).run({
      input: {
        inventory_levels: items.map((item) => ({
          inventory_item_id: item.id,
          location_id: location.id,
          stocked_quantity: stock.get(item.sku as string) ?? 0,
        })),
      },
    })
    logger.info(`Shopfleet seed: ${Math.min(start + BATCH, catalog.products.length)} products (${((Date.now() - started) / 1000).toFixed(1)} s)`)
  }

  const out = {
    publishable_key: apiKey.token,
    region_id: region.id,
    sales_channel_id: channel.id,
    stock_location_id: location.id,
    shipping_option_type: "standard",
    categories: categoryIds,
  }
  fs.writeFileSync(outPath, JSON.stringify(out, null, 2) + "\n")
  logger.info(`Shopfleet seed: done; wrote ${outPath}`)
}
