using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Wenku.Data.PostgresMigrations
{
    /// <inheritdoc />
    public partial class CategoryNamesOneLanguage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The default categories were named in both languages ("教育 Education"); now one name, shown through the
            // localizer. Categories an operator renamed keep their names.
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '教育' WHERE \"Slug\" = 'education' AND \"Name\" = '教育 Education'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '科技' WHERE \"Slug\" = 'tech' AND \"Name\" = '科技 Technology'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '财经' WHERE \"Slug\" = 'finance' AND \"Name\" = '财经 Finance'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '时政' WHERE \"Slug\" = 'politics' AND \"Name\" = '时政 Current affairs'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '体育' WHERE \"Slug\" = 'sports' AND \"Name\" = '体育 Sports'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '娱乐' WHERE \"Slug\" = 'entertainment' AND \"Name\" = '娱乐 Entertainment'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '房产' WHERE \"Slug\" = 'realestate' AND \"Name\" = '房产 Real estate'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '家居' WHERE \"Slug\" = 'home' AND \"Name\" = '家居 Home'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '时尚' WHERE \"Slug\" = 'fashion' AND \"Name\" = '时尚 Fashion'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '游戏' WHERE \"Slug\" = 'games' AND \"Name\" = '游戏 Games'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '范文' WHERE \"Slug\" = 'essays' AND \"Name\" = '范文 Essays'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '其他' WHERE \"Slug\" = 'other' AND \"Name\" = '其他 Other'");

        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '教育 Education' WHERE \"Slug\" = 'education' AND \"Name\" = '教育'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '科技 Technology' WHERE \"Slug\" = 'tech' AND \"Name\" = '科技'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '财经 Finance' WHERE \"Slug\" = 'finance' AND \"Name\" = '财经'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '时政 Current affairs' WHERE \"Slug\" = 'politics' AND \"Name\" = '时政'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '体育 Sports' WHERE \"Slug\" = 'sports' AND \"Name\" = '体育'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '娱乐 Entertainment' WHERE \"Slug\" = 'entertainment' AND \"Name\" = '娱乐'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '房产 Real estate' WHERE \"Slug\" = 'realestate' AND \"Name\" = '房产'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '家居 Home' WHERE \"Slug\" = 'home' AND \"Name\" = '家居'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '时尚 Fashion' WHERE \"Slug\" = 'fashion' AND \"Name\" = '时尚'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '游戏 Games' WHERE \"Slug\" = 'games' AND \"Name\" = '游戏'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '范文 Essays' WHERE \"Slug\" = 'essays' AND \"Name\" = '范文'");
            migrationBuilder.Sql("UPDATE \"Categories\" SET \"Name\" = '其他 Other' WHERE \"Slug\" = 'other' AND \"Name\" = '其他'");

        }
    }
}
